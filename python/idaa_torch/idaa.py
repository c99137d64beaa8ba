"""The IDAA adversarial positive, usable inside any training loop (plain, DDP, Lightning, solo-learn).

Given a frozen VAE and the SSL model's auxiliary-BN forward f_adv, `IDAA(vae)(x_i, f_adv)` returns
x_adv exactly as the reference's `gen_adv` (SimCLR/main.py) does:
    anchor = f_adv(x_i)                                  (the other 2N-2 samples are the negatives)
    z, G(x), R(x) = mu(x_i), Dec(z), x_i - G(x)          (VAE in eval mode, no gradient)
    L(z) = loss(anchor, f_adv(Dec(z) + R(x)))            (NT-Xent for SimCLR)
    z' = z + eps * sign(dL/dz)                           (one FGSM step, no projection, no clamp)
    x_adv = Dec(z') + R(x), detached
Differences that change no number: the gradient is taken with torch.autograd.grad with respect to
z alone (the reference calls backward, which also fills the model's .grad, then zeroes it), and the
anchor is computed without a graph (the gradient with respect to z does not pass through it).
`steps` > 1 is this project's option: k signed steps of eps/k, kept in the eps-ball.

Under DDP call it with the wrapped model's `.module` (f_adv = lambda x: ddp.module(x, adv=True)[1]):
the attack's gradient is with respect to the latent of this rank's batch, which needs no
synchronisation, and the DDP reducer then sees only the training loss's backward.
"""
from dataclasses import dataclass

import torch
from torch import nn

from .losses import nt_xent


@dataclass
class AttackResult:
    x_adv: torch.Tensor
    z: torch.Tensor
    z_adv: torch.Tensor
    gx: torch.Tensor
    rx: torch.Tensor
    direction: torch.Tensor
    """sign(dL/dz) at z = mu (the first step)."""
    loss_before: float


class IDAA(nn.Module):
    def __init__(self, vae, eps=0.1, steps=1, temperature=0.5, loss=None):
        super().__init__()
        if steps < 1 or int(steps) != steps:
            raise ValueError(f'steps must be a positive integer, got {steps}')
        self.vae = vae
        self.eps = float(eps)
        self.steps = int(steps)
        self.temperature = float(temperature)
        # loss(anchor_output, adversarial_output) -> scalar to maximise; default SimCLR's NT-Xent.
        self.loss = loss if loss is not None else (lambda a, b: nt_xent(a, b, self.temperature))
        for p in self.vae.parameters():
            p.requires_grad_(False)
        self.vae.eval()

    def train(self, mode=True):
        # The VAE stays frozen in inference mode (the reference's vae.eval()), whatever the trainer does.
        super().train(mode)
        self.vae.eval()
        return self

    def attack(self, x_i, f_adv, loss=None):
        loss = loss if loss is not None else self.loss
        x_i = x_i.detach()
        with torch.no_grad():
            anchor = f_adv(x_i)
            z, gx, rx = self.vae.decompose(x_i)
        step = self.eps / self.steps
        z_cur = z
        direction = None
        loss_before = float('nan')
        for s in range(self.steps):
            zv = z_cur.detach().clone().requires_grad_(True)
            with torch.enable_grad():
                value = loss(anchor, f_adv(self.vae.generate(zv) + rx))
                (grad,) = torch.autograd.grad(value, zv)
            sign = grad.sign()
            if s == 0:
                direction, loss_before = sign, float(value.detach())
            with torch.no_grad():
                z_cur = zv.detach() + step * sign
                if self.steps > 1:  # a single step of size eps is inside the ball by construction
                    z_cur = torch.max(torch.min(z_cur, z + self.eps), z - self.eps)
        with torch.no_grad():
            x_adv = self.vae.generate(z_cur) + rx
        return AttackResult(x_adv.detach(), z, z_cur, gx, rx, direction, loss_before)

    def forward(self, x_i, f_adv, loss=None):
        return self.attack(x_i, f_adv, loss).x_adv
