"""The PyTorch side of the import round trip (test/engine/torchBridge.test.ts).

    bridge_inspect.py BUNDLE IN.safetensors OUT.safetensors EPS
IN holds x in pixel units (NHWC in [0, 1], what the inspector shows) and the normalisation mean/std
the inspector used. OUT gets what the inspector computes, by the companion's models: G(x) and x_adv
in pixel units, R(x) scaled by std, the reconstruction error per sample (normalised units) and
cos(f(x), f(x_adv)) on the projections (main batch norm, inference mode); the attack runs through
the auxiliary batch norm's running statistics, as the inspector's does.
"""
import sys

import torch.nn.functional as F
from _common import nchw, nhwc, torch
from idaa_torch import IDAA, load_bundle
from idaa_torch.safetensors import load_file, save_file

bundle_dir, inp, outp, eps = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
b = load_bundle(bundle_dir)
t = load_file(inp)
mean, std = t['mean'].view(1, 3, 1, 1), t['std'].view(1, 3, 1, 1)
x = (nchw(t['x']) - mean) / std
vae, model = b.vae, b.model
_, g, r = vae.decompose(x)
a = IDAA(vae, eps=eps, temperature=b.config['ssl']['temperature']).attack(x, lambda v: model(v, adv=True)[1])
with torch.no_grad():
    fx = model(x)[1]
    fa = model(a.x_adv)[1]
out = {
    'g': nhwc(g * std + mean), 'r': nhwc(r * std), 'xadv': nhwc(a.x_adv * std + mean),
    'recon': ((x - g) ** 2).mean(dim=(1, 2, 3)), 'cosine': (F.normalize(fx, dim=1) * F.normalize(fa, dim=1)).sum(1),
    'linf': (a.z_adv - a.z).abs().amax(1),
}
save_file({k: v.float().contiguous() for k, v in out.items()}, outp)
