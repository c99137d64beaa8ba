"""The PyTorch side of the export round trip (test/engine/torchBridge.test.ts).

    bridge_forward.py BUNDLE IN.safetensors OUT.safetensors EPS
IN holds x (NHWC, normalised, as the engine feeds its models). OUT gets, from the companion
package's models loaded from the bundle: mu, logvar, G(x), R(x), the encoder's h and projection
with each batch-norm set in inference mode, and the latent attack both ways: through the auxiliary
batch norm in training mode (the reference's gen_adv) and in inference mode (the inspector's), plus
three signed steps in inference mode. Images go back NHWC.
"""
import sys

from _common import nchw, nhwc, torch
from idaa_torch import IDAA, load_bundle
from idaa_torch.safetensors import load_file, save_file

bundle_dir, inp, outp, eps = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
b = load_bundle(bundle_dir)
vae, model = b.vae, b.model
x = nchw(load_file(inp)['x'])
out = {}
with torch.no_grad():
    _, mu, logvar = vae.encode(x)
    z, g, r = vae.decompose(x)
    out.update(mu=mu, logvar=logvar, g=nhwc(g), r=nhwc(r))
    for adv, tag in ((False, 'main'), (True, 'aux')):
        h = model.encoder(x, adv=adv)
        out[f'h_{tag}'] = h
        out[f'z_{tag}'] = model.project(h, adv=adv)
f_adv = lambda t: model(t, adv=True)[1]  # noqa: E731
idaa = IDAA(vae, eps=eps, temperature=b.config['ssl']['temperature'])
model.eval()  # the inspector's attack: auxiliary running statistics
a = idaa.attack(x, f_adv)
out.update(dir_eval=a.direction, xadv_eval=nhwc(a.x_adv), loss_eval=torch.tensor([a.loss_before]))
a3 = IDAA(vae, eps=eps, steps=3, temperature=b.config['ssl']['temperature']).attack(x, f_adv)
out.update(zadv3_eval=a3.z_adv, xadv3_eval=nhwc(a3.x_adv))
model.train()  # the reference's gen_adv: the auxiliary batch norm on the batch's own statistics
a = idaa.attack(x, f_adv)
out.update(dir_train=a.direction, xadv_train=nhwc(a.x_adv), loss_train=torch.tensor([a.loss_before]))
save_file({k: v.float() for k, v in out.items()}, outp)
