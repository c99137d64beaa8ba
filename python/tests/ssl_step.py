"""The PyTorch side of test/engine/sslTorchParity.test.ts: one SimSiam or BYOL training loss with
IDAA's third view, its gradient, and the batch norms' running statistics after the step's forwards.

    ssl_step.py SPEC.json WEIGHTS.safetensors VIEWS.safetensors OUT.safetensors
SPEC: method, widths, blocks, auxBnMomentum, alpha, projector and predictor layer lists. WEIGHTS:
the online network (encoder.*, projector.*), the predictor (predictor.*) and, for BYOL, the target
(target.encoder.*, target.projector.*). VIEWS: xi, xj, xadv (NHWC, as the engine feeds its models).
OUT: loss, grad.<name> for every trainable tensor, state.<name> for every running statistic.
The losses are written out here from the methods' papers, not imported from the engine's code.
"""
import json
import sys

import torch.nn.functional as F

from _common import nchw, torch
from idaa_torch.bundle import load_weights
from idaa_torch.resnet import Projector, SimCLRModel
from idaa_torch.safetensors import load_file, save_file

spec_file, weights_file, views_file, out_file = sys.argv[1:5]
with open(spec_file, encoding='utf8') as f:
    spec = json.load(f)
w = load_file(weights_file)
v = {k: nchw(t) for k, t in load_file(views_file).items()}


def part(prefix):
    return {k[len(prefix):]: t for k, t in w.items() if k.startswith(prefix)}


def network(prefix):
    m = SimCLRModel(spec['widths'], spec['blocks'], spec['projector'], spec['auxBnMomentum'])
    load_weights(m, {k: t for k, t in part(prefix).items() if k.split('.')[0] in ('encoder', 'projector')}, prefix or 'online')
    return m.train()


online = network('')
predictor = Projector(online.projector.out_dim, spec['predictor'], spec['auxBnMomentum'])
load_weights(predictor, part('predictor.'), 'predictor')
predictor.train()


def forward(x, adv):
    z = online.project(online.encoder(x, adv=adv), adv=adv)
    return z, predictor(z, adv=adv)


alpha = spec['alpha']
if spec['method'] == 'simsiam':
    def d(p, z):
        return -F.cosine_similarity(p, z.detach(), dim=1).mean()
    zi, pi = forward(v['xi'], False)
    zj, pj = forward(v['xj'], False)
    za, pa = forward(v['xadv'], True)
    loss = 0.5 * (d(pi, zj) + d(pj, zi)) + alpha * 0.5 * (d(pi, za) + d(pa, zi))
elif spec['method'] == 'byol':
    target = network('target.')
    with torch.no_grad():
        ti = target.project(target.encoder(v['xi']))
        tj = target.project(target.encoder(v['xj']))
        ta = target.project(target.encoder(v['xadv'], adv=True), adv=True)

    def reg(q, z):
        return (2 - 2 * F.cosine_similarity(q, z, dim=1)).mean()
    _, qi = forward(v['xi'], False)
    _, qj = forward(v['xj'], False)
    _, qa = forward(v['xadv'], True)
    loss = reg(qi, tj) + reg(qj, ti) + alpha * (reg(qa, ti) + reg(qi, ta))
else:
    raise SystemExit(f'ssl_step.py: method {spec["method"]!r} is not one this script writes out')

loss.backward()
out = {'loss': loss.detach().reshape(1)}
modules = [('', online), ('predictor.', predictor)] + ([('target.', target)] if spec['method'] == 'byol' else [])
for prefix, m in modules:
    for name, p in m.named_parameters():
        if p.grad is not None:
            out[f'grad.{prefix}{name}'] = p.grad
    for name, b in m.named_buffers():
        if name.endswith(('running_mean', 'running_var')):
            out[f'state.{prefix}{name}'] = b
save_file({k: t.detach().float().contiguous() for k, t in out.items()}, out_file)
