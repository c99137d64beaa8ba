"""The PyTorch peer of the benchmark (../shared/bench/torch_peer.py) on a CUDA device.

torch_peer.py runs on the CPU only (it never moves its models or inputs to a device), and the GPU
machine does not carry ../shared, so this file rebuilds the same shapes, losses and steps on
`DEVICE` (default cuda), timing each step after torch.cuda.synchronize():
    DEVICE=cuda B=64 python3 torch_cuda_peer.py vae|enc|adv [steps] [warmup]
Prints one line, a Python dict like torch_peer.py's, plus the device's name.

Shapes (batch B of 32x32x3, float32, random inputs), as torch_peer.py:
- VAE: conv3x3 s2 p1 3->32->64->128 + ReLU, dense 2048 -> 2x128; decoder dense 128 -> 2048 + ReLU,
  convT 4x4 s2 p1 128->64->32->3, ReLU between, sigmoid last; MSE + 0.1 KL_sum/(B*3*128); Adam.
- ResNet: stem conv3x3 16 + BN + ReLU; 4 stages x 2 basic blocks 16/32/64/128; global mean;
  projector c->c (ReLU) ->64; SimCLR step on 2B views in one forward, NT-Xent tau 0.5; Adam.
- Adversarial step: z0 = mu(x1), R = x1 - Dec(z0) without gradient; grad of NT-Xent over
  [Dec(z) + R, x2] w.r.t. z at z0; z' = z0 + 0.05 sign(g); decode z' and add R.
"""
import os, sys, time, statistics, resource
import torch, torch.nn as nn, torch.nn.functional as F

torch.manual_seed(0)
DEV = torch.device(os.environ.get('DEVICE', 'cuda'))
WHAT = sys.argv[1]
STEPS = int(sys.argv[2]) if len(sys.argv) > 2 else 20
WARM = int(sys.argv[3]) if len(sys.argv) > 3 else 3
B = int(os.environ.get('B', '64'))
# cuDNN picks its fastest convolution per shape (what a PyTorch user benchmarking on a GPU turns on); CUDNN_BENCHMARK=0 turns it off.
torch.backends.cudnn.benchmark = os.environ.get('CUDNN_BENCHMARK', '1') == '1'


class VAE(nn.Module):
    def __init__(s):
        super().__init__()
        s.e = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(), nn.Conv2d(64, 128, 3, 2, 1), nn.ReLU())
        s.fc = nn.Linear(2048, 256)
        s.dfc = nn.Linear(128, 2048)
        s.d = nn.Sequential(nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 3, 4, 2, 1), nn.Sigmoid())

    def encode(s, x):
        return s.fc(s.e(x).flatten(1)).chunk(2, 1)

    def decode(s, z):
        return s.d(F.relu(s.dfc(z)).view(-1, 128, 4, 4))


class Block(nn.Module):
    def __init__(s, i, o, st):
        super().__init__()
        s.c1 = nn.Conv2d(i, o, 3, st, 1, bias=False); s.n1 = nn.BatchNorm2d(o)
        s.c2 = nn.Conv2d(o, o, 3, 1, 1, bias=False); s.n2 = nn.BatchNorm2d(o)
        s.sc = None if (i == o and st == 1) else nn.Sequential(nn.Conv2d(i, o, 1, st, bias=False), nn.BatchNorm2d(o))

    def forward(s, x):
        y = s.n2(s.c2(F.relu(s.n1(s.c1(x)))))
        return F.relu(y + (x if s.sc is None else s.sc(x)))


class Res(nn.Module):
    def __init__(s, w=(16, 32, 64, 128)):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(3, w[0], 3, 1, 1, bias=False), nn.BatchNorm2d(w[0]), nn.ReLU())
        L = []; c = w[0]
        for i, o in enumerate(w):
            L += [Block(c, o, 1 if i == 0 else 2), Block(o, o, 1)]; c = o
        s.blocks = nn.Sequential(*L)
        s.h = nn.Sequential(nn.Linear(c, c), nn.ReLU(), nn.Linear(c, 64))

    def forward(s, x):
        return s.h(s.blocks(s.stem(x)).mean((2, 3)))


def ntxent(z1, z2, t=0.5):
    n = z1.shape[0]; z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.t() / t - torch.eye(2 * n, device=z.device) * 1e9
    tgt = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return F.cross_entropy(sim, tgt)


vae, res = VAE().to(DEV), Res().to(DEV)
x1, x2 = torch.rand(B, 3, 32, 32, device=DEV), torch.rand(B, 3, 32, 32, device=DEV)
opt = torch.optim.Adam(list(vae.parameters()) + list(res.parameters()), 1e-3)


def step():
    if WHAT == 'vae':
        mu, lv = vae.encode(x1); z = mu + torch.randn_like(mu) * (0.5 * lv).exp()
        loss = F.mse_loss(vae.decode(z), x1) + 0.1 * (-0.5 * (1 + lv - mu ** 2 - lv.exp()).sum()) / (B * 3 * 128)
        opt.zero_grad(); loss.backward(); opt.step(); return B
    if WHAT == 'enc':
        h = res(torch.cat([x1, x2])); loss = ntxent(h[:B], h[B:]); opt.zero_grad(); loss.backward(); opt.step(); return 2 * B
    if WHAT == 'adv':
        with torch.no_grad():
            z0 = vae.encode(x1)[0]; r = x1 - vae.decode(z0)
        z = z0.clone().requires_grad_(True)
        h = res(torch.cat([vae.decode(z) + r, x2])); g, = torch.autograd.grad(ntxent(h[:B], h[B:]), z)
        with torch.no_grad():
            vae.decode(z0 + 0.05 * g.sign()) + r
        return B
    raise SystemExit(f'unknown step {WHAT}: vae, enc or adv')


def sync():
    if DEV.type == 'cuda':
        torch.cuda.synchronize()


times = []; n = 0
for i in range(WARM + STEPS):
    sync(); t0 = time.perf_counter(); n = step(); sync(); dt = time.perf_counter() - t0
    if i >= WARM:
        times.append(dt)
med = statistics.median(times)
name = torch.cuda.get_device_name(DEV) if DEV.type == 'cuda' else 'cpu'
print({'peer': 'torch', 'device': DEV.type, 'deviceName': name, 'torch': torch.__version__, 'batch': B, 'threads': torch.get_num_threads(), 'what': WHAT,
       'imgPerSec': round(n / med, 1), 'medianMs': round(med * 1000, 2), 'peakRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024})
