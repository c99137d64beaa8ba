"""SimCLR + IDAA under torch.distributed (DDP), with a VAE exported by IDAA Studio.

On a cluster (one process per GPU; NCCL):
    torchrun --nproc_per_node 8 python/examples/ddp_simclr_idaa.py --bundle exported/ \
        --data cifar10:$HOME/data/cifar-10-batches-bin --epochs 300 --batch-size 32 --backend nccl --out ckpt/
On CPUs (what the test runs; gloo, loopback only):
    python3 -m torch.distributed.run --nproc_per_node 2 --master_addr 127.0.0.1 --master_port 29511 \
        python/examples/ddp_simclr_idaa.py --bundle exported/ --data synthetic --steps 8 --out ckpt/

Each rank trains the dual-BN ResNet-18 on its shard (DistributedSampler) with three views per image,
as the reference: loss = NT-Xent(z_i, z_j) + alpha * NT-Xent(z_i, z_adv), x_i and x_j through the
main batch norm, x_adv (IDAA, the frozen VAE of the bundle) through the auxiliary one. DDP averages
the gradients, so every rank holds the same weights after every step; NT-Xent's negatives are the
rank's own batch (the reference is single-GPU; gather them across ranks for a global batch).
The attack runs through ddp.module: its gradient is with respect to this rank's latent and needs no
synchronisation. Each rank keeps its own batch-norm running statistics while training (DDP's
per-forward buffer broadcast cannot be used with three forwards per backward); they are averaged
over the ranks before every save. Writes OUT/rank<r>.jsonl (per step: the loss here and averaged over ranks, and a
digest of the parameters), OUT/summary.json, and bundles (OUT/step-<n>/, OUT/final/) that
`idaa import` turns back into IDAA Studio runs to inspect.
Augmentations are SimCLR's, in tensors: random resized crop and flip (one affine resample),
brightness/contrast/saturation jitter (no hue) and grayscale.
"""
import argparse
import ctypes
import hashlib
import json
import math
import os
import sys
from datetime import timedelta

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DistributedSampler

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from idaa_torch import IDAA, SimCLRModel, load_bundle, nt_xent, save_bundle, simclr_projector_spec, widths_for  # noqa: E402


def synthetic(n, size, seed, classes=4):
    """Class k: a bright bar at angle k*180/classes on a noisy background, tinted per sample (like the engine's)."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % classes
    angle = labels.float() * math.pi / classes
    off = torch.rand(n, generator=g) * 4 - 2
    ys, xs = torch.meshgrid(torch.arange(size).float() - size / 2, torch.arange(size).float() - size / 2, indexing='ij')
    d = (xs[None] * torch.sin(angle)[:, None, None] - ys[None] * torch.cos(angle)[:, None, None] - off[:, None, None]).abs()
    v = (1 - d / 2).clamp(min=0) * 0.8 + torch.rand(n, size, size, generator=g) * 0.2
    tint = torch.rand(n, 3, 1, 1, generator=g) * 0.5 + 0.5
    return (v[:, None] * tint).clamp(0, 1), labels


def cifar_binary(kind, folder):
    """The binary CIFAR-10/100 training files as they are extracted: records of label byte(s) + 3072 pixels."""
    files = [os.path.join(folder, f'data_batch_{i}.bin') for i in range(1, 6)] if kind == 'cifar10' else [os.path.join(folder, 'train.bin')]
    skip = 1 if kind == 'cifar10' else 2
    raw = b''.join(open(f, 'rb').read() for f in files)
    rec = skip + 3072
    t = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(-1, rec)
    return t[:, skip:].reshape(-1, 3, 32, 32).float() / 255, t[:, skip - 1].long()


def augment(x, g, size, scale, jitter, p_jitter=0.8, p_gray=0.2):
    """SimCLR's views of a [0, 1] batch, drawn from generator g."""
    n = x.shape[0]
    area = torch.empty(n).uniform_(scale[0], scale[1], generator=g)
    logr = torch.empty(n).uniform_(math.log(3 / 4), math.log(4 / 3), generator=g)
    ratio = logr.exp()
    w = (area * ratio).sqrt().clamp(max=1)
    h = (area / ratio).sqrt().clamp(max=1)
    cx = (torch.rand(n, generator=g) * 2 - 1) * (1 - w)
    cy = (torch.rand(n, generator=g) * 2 - 1) * (1 - h)
    flip = torch.where(torch.rand(n, generator=g) < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2], theta[:, 1, 1], theta[:, 1, 2] = w * flip, cx, h, cy
    grid = F.affine_grid(theta, [n, 3, size, size], align_corners=False)
    v = F.grid_sample(x, grid, mode='bilinear', padding_mode='border', align_corners=False)
    if jitter > 0:
        on = (torch.rand(n, 1, 1, 1, generator=g) < p_jitter).float()
        b = 1 + (torch.rand(n, 1, 1, 1, generator=g) * 2 - 1) * jitter
        c = 1 + (torch.rand(n, 1, 1, 1, generator=g) * 2 - 1) * jitter
        s = 1 + (torch.rand(n, 1, 1, 1, generator=g) * 2 - 1) * jitter
        gray = (0.299 * v[:, :1] + 0.587 * v[:, 1:2] + 0.114 * v[:, 2:])
        j = (v * b).clamp(0, 1)
        j = ((j - j.mean(dim=(1, 2, 3), keepdim=True)) * c + j.mean(dim=(1, 2, 3), keepdim=True)).clamp(0, 1)
        j = ((j - gray * b) * s + gray * b).clamp(0, 1)
        v = on * j + (1 - on) * v
    g_on = (torch.rand(n, 1, 1, 1, generator=g) < p_gray).float()
    gray = (0.299 * v[:, :1] + 0.587 * v[:, 1:2] + 0.114 * v[:, 2:]).expand(-1, 3, -1, -1)
    return g_on * gray + (1 - g_on) * v


def digest(module):
    """SHA-256 of the parameters' bytes: equal on every rank exactly when DDP kept them in sync."""
    h = hashlib.sha256()
    for _, p in sorted(module.named_parameters()):
        t = p.detach().cpu().contiguous()
        h.update(ctypes.string_at(t.data_ptr(), t.numel() * t.element_size()))
    return h.hexdigest()[:16]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--bundle', required=True, help='a bundle with a VAE (idaa export); its encoder, if any, is trained on with --continue-encoder')
    ap.add_argument('--data', default='synthetic', help='synthetic | cifar10:DIR | cifar100:DIR (the binary versions)')
    ap.add_argument('--synthetic-count', type=int, default=256)
    ap.add_argument('--steps', type=int, default=0, help='optimizer steps (0: --epochs over the data)')
    ap.add_argument('--epochs', type=int, default=1)
    ap.add_argument('--batch-size', type=int, default=16, help='per rank')
    ap.add_argument('--lr', type=float, default=3e-4)
    ap.add_argument('--width-multiplier', type=float, default=None, help='default: the bundle encoder\'s, else 1 (ResNet-18)')
    ap.add_argument('--projection-dim', type=int, default=64)
    ap.add_argument('--continue-encoder', action='store_true', help='start from the bundle\'s encoder')
    ap.add_argument('--eps', type=float, default=None, help='default: the bundle\'s idaa.eps')
    ap.add_argument('--alpha', type=float, default=None)
    ap.add_argument('--temperature', type=float, default=None)
    ap.add_argument('--crop-scale', type=float, nargs=2, default=[0.08, 1.0])
    ap.add_argument('--jitter', type=float, default=0.8)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--backend', default='gloo')
    ap.add_argument('--timeout', type=float, default=120, help='seconds a collective may wait for a peer')
    ap.add_argument('--save-every', type=int, default=0)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    dist.init_process_group(a.backend, timeout=timedelta(seconds=a.timeout))
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device(f'cuda:{int(os.environ.get("LOCAL_RANK", 0))}' if a.backend == 'nccl' else 'cpu')
    b = load_bundle(a.bundle)
    if b.vae is None:
        raise SystemExit(f'{a.bundle}: the bundle has no VAE; export one from a run that trained it (idaa export --checkpoint …/vae-final.ckpt)')
    cfg = b.config
    eps = cfg['idaa']['eps'] if a.eps is None else a.eps
    alpha = cfg['idaa']['alpha'] if a.alpha is None else a.alpha
    temperature = cfg['ssl']['temperature'] if a.temperature is None else a.temperature
    size = b.vae.image_size
    mean = torch.tensor(b.mean, device=device).view(1, 3, 1, 1)
    std = torch.tensor(b.std, device=device).view(1, 3, 1, 1)

    torch.manual_seed(a.seed)  # the same initial weights on every rank (DDP also broadcasts rank 0's)
    if a.continue_encoder and b.model is not None:
        model = b.model
    else:
        m = a.width_multiplier if a.width_multiplier is not None else (cfg['encoder']['widths'][0] / 64 if cfg.get('encoder') else 1.0)
        widths = widths_for(m)
        model = SimCLRModel(widths, projector=simclr_projector_spec(widths[-1], a.projection_dim))
    model.to(device).train()
    # Three forwards per backward: DDP's buffer broadcast at each forward would rewrite the batch-norm
    # statistics that the earlier forwards' backward still needs (an in-place error), so each rank keeps
    # its own running statistics during training and they are averaged over the ranks before a save.
    ddp = DDP(model, device_ids=[device.index] if device.type == 'cuda' else None, broadcast_buffers=False)
    idaa = IDAA(b.vae.to(device), eps=eps, temperature=temperature)
    opt = torch.optim.Adam(ddp.parameters(), lr=a.lr)

    if a.data == 'synthetic':
        images, _ = synthetic(a.synthetic_count, size, a.seed)
    elif a.data.split(':', 1)[0] in ('cifar10', 'cifar100'):
        kind, folder = a.data.split(':', 1)
        images, _ = cifar_binary(kind, os.path.expanduser(folder))
        if size != 32:
            images = F.interpolate(images, size=(size, size), mode='bilinear', align_corners=False)
    else:
        raise SystemExit(f'--data {a.data}: use synthetic, cifar10:DIR or cifar100:DIR')
    sampler = DistributedSampler(range(len(images)), num_replicas=world, rank=rank, shuffle=True, seed=a.seed, drop_last=True)
    per_epoch = len(sampler) // a.batch_size
    if per_epoch == 0:
        raise SystemExit(f'each rank gets {len(sampler)} images, fewer than one batch of {a.batch_size}')
    steps = a.steps or a.epochs * per_epoch
    gen = torch.Generator().manual_seed(a.seed * 1000 + rank)  # each rank its own augmentations
    os.makedirs(a.out, exist_ok=True)
    log = open(os.path.join(a.out, f'rank{rank}.jsonl'), 'w')
    first = last = None

    def save(name, step):
        with torch.no_grad():
            for buf in model.buffers():
                if buf.is_floating_point():
                    dist.all_reduce(buf)
                    buf /= world
        if rank == 0:
            save_bundle(os.path.join(a.out, name), b.vae, model, normalize={'mean': b.mean, 'std': b.std}, idaa={'eps': eps, 'steps': 1, 'alpha': alpha},
                        ssl={'method': 'simclr', 'temperature': temperature}, trained={'vaeSteps': cfg['trained'].get('vaeSteps'), 'sslSteps': step},
                        source={'tool': 'idaa_torch', 'script': 'examples/ddp_simclr_idaa.py', 'world': world, 'vaeFrom': os.path.abspath(a.bundle)},
                        run=cfg.get('run'))  # the exporting run's config: `idaa import` finds its dataset there
        dist.barrier()

    step = 0
    epoch = 0
    while step < steps:
        sampler.set_epoch(epoch)
        order = list(sampler)
        for k in range(per_epoch):
            if step >= steps:
                break
            x = images[order[k * a.batch_size:(k + 1) * a.batch_size]].to(device)
            xi = (augment(x, gen, size, a.crop_scale, a.jitter) - mean) / std
            xj = (augment(x, gen, size, a.crop_scale, a.jitter) - mean) / std
            x_adv = idaa(xi, lambda t: ddp.module(t, adv=True)[1])
            zi, zj, za = ddp(xi)[1], ddp(xj)[1], ddp(x_adv, adv=True)[1]
            l_og, l_adv = nt_xent(zi, zj, temperature), nt_xent(zi, za, temperature)
            loss = l_og + alpha * l_adv
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            stats = torch.tensor([loss.item(), l_og.item(), l_adv.item()], device=device)
            dist.all_reduce(stats)
            stats = (stats / world).tolist()
            rec = {'step': step, 'rank': rank, 'world': world, 'loss': loss.item(), 'lossMean': stats[0], 'contrastiveMean': stats[1],
                   'adversarialMean': stats[2], 'paramDigest': digest(model) if device.type == 'cpu' else None}
            log.write(json.dumps(rec) + '\n')
            log.flush()
            first = first if first is not None else stats[0]
            last = stats[0]
            if rank == 0:
                print(f'step {step}/{steps}  loss {stats[0]:.4f} (contrastive {stats[1]:.4f}, adversarial {stats[2]:.4f})', flush=True)
            if a.save_every and step % a.save_every == 0:
                save(f'step-{step}', step)
        epoch += 1
    save('final', step)
    if rank == 0:
        with open(os.path.join(a.out, 'summary.json'), 'w') as f:
            json.dump({'world': world, 'steps': step, 'firstLossMean': first, 'lastLossMean': last, 'final': os.path.join(a.out, 'final')}, f, indent=2)
    log.close()
    dist.destroy_process_group()


if __name__ == '__main__':
    main()
