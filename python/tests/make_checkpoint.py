"""A checkpoint made by the companion in PyTorch, for the import round trip (torchBridge.test.ts).

    make_checkpoint.py OUT [--d 8 --z 8 --image-size 16 --width 0.0625 --proj 16 --steps 3]
Trains a CVAE and then SimCLR + IDAA a few steps on random inputs (so that weights and batch-norm
statistics are not at their initial values) and writes OUT/bundle (save_bundle) and, in the
authors' own formats, OUT/reference/vae.pth (train_vae.py's state_dict) and
OUT/reference/model_best.t (SimCLR/main.py's {'model', 'acc', 'epoch'}, DataParallel prefix).
"""
import argparse
import os

from _common import torch
from idaa_torch import CVAE, IDAA, SimCLRModel, nt_xent, save_bundle, simclr_projector_spec, vae_loss, widths_for

p = argparse.ArgumentParser()
p.add_argument('out')
p.add_argument('--d', type=int, default=8)
p.add_argument('--z', type=int, default=8)
p.add_argument('--image-size', type=int, default=16)
p.add_argument('--width', type=float, default=0.0625)
p.add_argument('--proj', type=int, default=16)
p.add_argument('--steps', type=int, default=3)
p.add_argument('--eps', type=float, default=0.1)
p.add_argument('--mean', type=float, nargs=3, default=[0.5, 0.5, 0.5])
p.add_argument('--std', type=float, nargs=3, default=[0.25, 0.25, 0.25])
a = p.parse_args()
torch.manual_seed(0)
s = a.image_size
vae = CVAE(a.d, a.z, s)
widths = widths_for(a.width)
model = SimCLRModel(widths, projector=simclr_projector_spec(widths[-1], a.proj))
opt = torch.optim.Adam(vae.parameters(), 2e-3)
for _ in range(a.steps):
    x = torch.randn(16, 3, s, s)
    _, gx, mu, logvar = vae(x)
    loss = vae_loss(x, gx, mu, logvar)[0]
    opt.zero_grad()
    loss.backward()
    opt.step()
idaa = IDAA(vae, eps=a.eps)
opt = torch.optim.Adam(model.parameters(), 1e-3)
model.train()
for _ in range(a.steps):
    xi, xj = torch.randn(16, 3, s, s), torch.randn(16, 3, s, s)
    x_adv = idaa(xi, lambda t: model(t, adv=True)[1])
    zi, zj, za = model(xi)[1], model(xj)[1], model(x_adv, adv=True)[1]
    loss = nt_xent(zi, zj) + nt_xent(zi, za)
    opt.zero_grad()
    loss.backward()
    opt.step()
save_bundle(os.path.join(a.out, 'bundle'), vae, model, normalize={'mean': a.mean, 'std': a.std}, idaa={'eps': a.eps, 'steps': 1, 'alpha': 1.0},
            trained={'vaeSteps': a.steps, 'sslSteps': a.steps}, source={'tool': 'idaa_torch', 'script': 'python/tests/make_checkpoint.py'})
ref = os.path.join(a.out, 'reference')
os.makedirs(ref, exist_ok=True)
torch.save(vae.state_dict(), os.path.join(ref, 'vae.pth'))
torch.save({'model': torch.nn.DataParallel(model).state_dict(), 'acc': 0.0, 'epoch': a.steps}, os.path.join(ref, 'model_best.t'))
print(os.path.join(a.out, 'bundle'))
