"""Converts the IDAA authors' PyTorch checkpoints into a bundle that `idaa import` reads.

    PYTHONPATH=python /usr/bin/python3 -m idaa_torch.convert --vae model_epoch300.pth \
        --model cifar10_resnet18_batch_256_..._epoch_300.pt --out converted/
    idaa import converted/ --dataset cifar10 --data-path ~/data/cifar-10-batches-bin

--vae: what their train_vae.py saves (CVAE_cifar_withbn's state_dict; their --vae_path).
--model: what their SimCLR/main.py saves: the model's state_dict (`*_epoch_N.pt`) or the
`{'model': state_dict, 'acc', 'epoch'}` dict (`*_best.t`); a DataParallel/DDP `module.` prefix is
removed. A run without --adv has no auxiliary batch norms: they are copied from the main ones.
Either file may also be a .safetensors of the same names. Architectures other than these (the
224x224 CVAE, ImageNet-stem or Bottleneck ResNets, ResNet-34, other heads) are refused, by name.
"""
import argparse
import math
import re
import sys

import torch

from .bundle import CIFAR_MEAN, CIFAR_STD, load_weights, save_bundle
from .cvae import CVAE
from .resnet import SimCLRModel
from .safetensors import load_file


class ArchitectureError(ValueError):
    """A checkpoint of an architecture this package does not build."""


def read_state_dict(path):
    """A flat {name: tensor} from a .pth/.pt/.t pickle or a .safetensors file."""
    if path.endswith('.safetensors'):
        return load_file(path)
    try:
        obj = torch.load(path, map_location='cpu')
    except Exception as e:  # a pickle of another program, a truncated file
        raise ArchitectureError(f'{path}: cannot be read by torch.load ({type(e).__name__}: {e})') from None
    for key in ('model', 'state_dict', 'model_state_dict'):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
            break
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ArchitectureError(f'{path}: holds no state_dict (a dict of tensors, or one under "model"/"state_dict")')
    return {re.sub(r'^module\.', '', k): v for k, v in obj.items()}


def _weights(sd):
    return {k: v for k, v in sd.items() if not k.endswith('num_batches_tracked')}


def vae_from_state_dict(sd, path):
    """A CVAE whose shapes are read off the tensors; refuses anything but CVAE_cifar_withbn."""
    sd = _weights(sd)
    if any(re.match(r'encoder\.(9|1\d)\.', k) for k in sd) or 'encoder.15.weight' in sd:
        raise ArchitectureError(f'{path}: the 224x224 CVAE (CVAE_imagenet_withbn, five stride-2 convs) is not supported: only the CIFAR CVAE (CVAE_cifar_withbn) is; the reference\'s own code path for the 224px variant is broken')
    need = ['encoder.0.weight', 'encoder.3.weight', 'fc11.weight', 'fc21.weight', 'decoder.7.weight', 'bn.weight']
    lacking = [k for k in need if k not in sd]
    if lacking:
        raise ArchitectureError(f'{path}: not a CVAE_cifar_withbn state_dict (no {", ".join(lacking)}); give the file the authors\' train_vae.py saves (model_epochN.pth)')
    d, cin = sd['encoder.3.weight'].shape[0], sd['encoder.0.weight'].shape[1]
    z, flat = sd['fc11.weight'].shape
    f = math.isqrt(flat // d) if flat % d == 0 else 0
    if f * f * d != flat or sd['encoder.0.weight'].shape[0] != d // 2:
        raise ArchitectureError(f'{path}: fc11 takes {flat} features, which is not d x f x f for d = {d}: not a CVAE_cifar_withbn')
    vae = CVAE(d, z, 4 * f, cin)
    load_weights(vae, sd, path)
    return vae


def _block_counts(sd, path):
    counts = []
    for layer in range(1, 5):
        idx = {int(m.group(1)) for k in sd for m in [re.match(rf'encoder\.layer{layer}\.(\d+)\.', k)] if m}
        if not idx:
            raise ArchitectureError(f'{path}: no encoder.layer{layer}: not the CIFAR ResNet-18 of the reference')
        counts.append(max(idx) + 1)
    return counts


def model_from_state_dict(sd, path, notes):
    """A SimCLRModel read off the tensors; refuses other backbones and heads, naming them."""
    sd = _weights(sd)
    if 'encoder.conv1.weight' not in sd:
        raise ArchitectureError(f'{path}: no encoder.conv1.weight: not the authors\' SimCLR model (SimCLR_BN); give the file their SimCLR/main.py saves')
    stem = sd['encoder.conv1.weight'].shape
    if stem[2] != 3:
        raise ArchitectureError(f'{path}: a {stem[2]}x{stem[3]} stem (the ImageNet ResNet, resnet_BN_imagenet) is not supported: only the CIFAR ResNet-18 (3x3 stride-1 stem)')
    if any('.conv3.' in k for k in sd):
        raise ArchitectureError(f'{path}: Bottleneck blocks (ResNet-50/101/152) are not supported: only the CIFAR ResNet-18 of BasicBlocks')
    if any('.ds_conv1.' in k for k in sd):
        raise ArchitectureError(f'{path}: the ImageNet ResNet (ds_conv1 shortcuts) is not supported: only the CIFAR ResNet-18')
    blocks = _block_counts(sd, path)
    if blocks != [2, 2, 2, 2]:
        raise ArchitectureError(f'{path}: {blocks} blocks per stage (ResNet-18 has [2, 2, 2, 2]): only ResNet-18 is supported')
    widths = [sd[f'encoder.layer{i}.0.conv1.weight'].shape[0] for i in range(1, 5)]
    if widths != [widths[0] * m for m in (1, 2, 4, 8)]:
        raise ArchitectureError(f'{path}: stage widths {widths} are not w, 2w, 4w, 8w')
    dropped = sorted(k for k in sd if k.startswith('encoder.fc.'))
    if dropped:  # a linear classifier left on the backbone: not part of the SSL model
        notes.append(f'dropped {", ".join(dropped)} (a classifier on the backbone; the SSL model replaces it with Identity)')
        sd = {k: v for k, v in sd.items() if k not in dropped}
    spec = projector_spec(sd, widths[-1], path)
    if not any(k.endswith('_adv.weight') for k in sd):
        notes.append('the checkpoint has no auxiliary batch norms (a run without --adv): copied from the main ones')
        sd = dict(sd)
        for k in list(sd):
            m = re.match(r'(.*\.(?:bn\d|shortcut_bn))\.(weight|bias|running_mean|running_var)$', k)
            if m:
                sd[f'{m.group(1)}_adv.{m.group(2)}'] = sd[k].clone()
    model = SimCLRModel(widths, blocks, spec)
    load_weights(model, sd, path)
    return model


def projector_spec(sd, feature_dim, path):
    """The head's layer list, from projector.N names (Linear weights 2-d, dual BN under .bn/.bn_adv)."""
    linear = sorted(int(m.group(1)) for k in sd for m in [re.match(r'projector\.(\d+)\.weight$', k)] if m and sd[k].dim() == 2)
    if not linear:
        raise ArchitectureError(f'{path}: no projector.N.weight: the SimCLR projector is missing')
    spec, d = [], feature_dim
    for n, i in enumerate(linear):
        w = sd[f'projector.{i}.weight']
        if w.shape[1] != d:
            raise ArchitectureError(f'{path}: projector.{i} takes {w.shape[1]} features, expected {d}: an unknown head')
        nxt = linear[n + 1] if n + 1 < len(linear) else None
        has_bn = f'projector.{i + 1}.bn.running_mean' in sd
        bn = 'none' if not has_bn else ('affine' if f'projector.{i + 1}.bn.weight' in sd else 'fixed')
        gap = (nxt - i) if nxt is not None else None
        relu = gap is not None and gap == (3 if has_bn else 2)
        if gap is not None and not relu:
            raise ArchitectureError(f'{path}: projector layers {i} and {nxt} are not Linear[, BatchNorm], ReLU, Linear: an unknown head')
        spec.append({'out': w.shape[0], 'bias': f'projector.{i}.bias' in sd, 'bn': bn, 'relu': relu})
        d = w.shape[0]
    return spec


def main(argv=None):
    p = argparse.ArgumentParser(prog='python3 -m idaa_torch.convert', description=__doc__.split('\n\n')[0])
    p.add_argument('--vae', help="the authors' VAE checkpoint (train_vae.py's model_epochN.pth)")
    p.add_argument('--model', help="the authors' SimCLR model checkpoint (SimCLR/main.py's *_epoch_N.pt or *_best.t)")
    p.add_argument('--out', required=True, help='the bundle folder to write (then: idaa import OUT)')
    p.add_argument('--eps', type=float, default=0.1, help='IDAA eps the model was trained with (the documented runs: 0.1)')
    p.add_argument('--mean', type=float, nargs=3, default=CIFAR_MEAN)
    p.add_argument('--std', type=float, nargs=3, default=CIFAR_STD)
    p.add_argument('--temperature', type=float, default=0.5)
    a = p.parse_args(argv)
    if not a.vae and not a.model:
        p.error('give --vae, --model or both')
    notes = []
    try:
        vae = vae_from_state_dict(read_state_dict(a.vae), a.vae) if a.vae else None
        model = model_from_state_dict(read_state_dict(a.model), a.model, notes) if a.model else None
    except (ArchitectureError, ValueError, OSError) as e:
        print(f'idaa_torch.convert: {e}', file=sys.stderr)
        return 1
    files = [f for f in (a.vae, a.model) if f]
    save_bundle(a.out, vae, model, normalize={'mean': a.mean, 'std': a.std}, idaa={'eps': a.eps, 'steps': 1, 'alpha': 1.0},
                ssl={'method': 'simclr', 'temperature': a.temperature}, source={'tool': 'reference-checkpoint', 'files': files}, notes=notes)
    for n in notes:
        print(f'note: {n}', file=sys.stderr)
    print(f'wrote {a.out} (then: idaa import {a.out})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
