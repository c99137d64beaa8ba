"""The dual-batch-norm CIFAR ResNet-18 of the IDAA/CLAE reference and its SimCLR projector.

Names follow the authors' SimCLR model (SimCLR_BN with resnet_BN's ResNetAdvProp_all): the backbone
under `encoder.` (conv1, bn1, bn1_adv, layer1.0.conv1, layer1.0.bn1, layer1.0.bn1_adv, ...,
layer2.0.shortcut.0, layer2.0.shortcut_bn, layer2.0.shortcut_bn_adv), the head under `projector.`
(projector.0 Linear, projector.2 Linear), so their saved `model.state_dict()` loads as is.
Every forward takes `adv`: False runs the main batch norms, True the auxiliary ("adversarial")
ones, as in AdvProp/CLAE. One deviation: the pool is a global average (the reference's
avg_pool2d(., 4) is the same at 32x32 inputs; this also works for other sizes).
"""
import torch
import torch.nn.functional as F
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride=1, adv_momentum=0.01):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.bn1_adv = nn.BatchNorm2d(cout, momentum=adv_momentum)
        self.conv2 = nn.Conv2d(cout, cout, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.bn2_adv = nn.BatchNorm2d(cout, momentum=adv_momentum)
        self.shortcut = nn.Sequential()
        self.shortcut_bn = None
        self.shortcut_bn_adv = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, kernel_size=1, stride=stride, bias=False))
            self.shortcut_bn = nn.BatchNorm2d(cout)
            self.shortcut_bn_adv = nn.BatchNorm2d(cout, momentum=adv_momentum)

    def forward(self, x, adv=False):
        bn1, bn2, sbn = (self.bn1_adv, self.bn2_adv, self.shortcut_bn_adv) if adv else (self.bn1, self.bn2, self.shortcut_bn)
        out = bn2(self.conv2(F.relu(bn1(self.conv1(x)))))
        short = self.shortcut(x)
        out = out + (sbn(short) if sbn is not None else short)
        return F.relu(out)


class _AdvSequential(nn.Sequential):
    """nn.Sequential whose forward passes `adv` to the modules that take it (blocks, dual batch norms)."""

    def forward(self, x, adv=False):
        for m in self:
            x = m(x, adv=adv) if getattr(m, 'takes_adv', False) or isinstance(m, BasicBlock) else m(x)
        return x


def widths_for(width_multiplier):
    """The stage widths the engine builds for a width multiplier: round(w * m), at least 1."""
    return [max(1, int(w * width_multiplier + 0.5)) for w in (64, 128, 256, 512)]


class ResNet18DualBN(nn.Module):
    """CIFAR ResNet-18: 3x3 stride-1 stem, no max-pool, four stages of BasicBlocks, global average pool.
    Returns the feature h (no fc: the reference replaces it with Identity)."""

    def __init__(self, widths=(64, 128, 256, 512), blocks=(2, 2, 2, 2), adv_momentum=0.01, channels=3):
        super().__init__()
        widths, blocks = list(widths), list(blocks)
        self.widths, self.blocks, self.adv_momentum = widths, blocks, adv_momentum
        self.conv1 = nn.Conv2d(channels, widths[0], kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.bn1_adv = nn.BatchNorm2d(widths[0], momentum=adv_momentum)
        cin = widths[0]
        for stage, (w, n) in enumerate(zip(widths, blocks)):
            layer = []
            for b in range(n):
                layer.append(BasicBlock(cin, w, 2 if (b == 0 and stage > 0) else 1, adv_momentum))
                cin = w
            setattr(self, f'layer{stage + 1}', _AdvSequential(*layer))
        self.feature_dim = cin

    def forward(self, x, adv=False):
        out = F.relu((self.bn1_adv if adv else self.bn1)(self.conv1(x)))
        for stage in range(len(self.widths)):
            out = getattr(self, f'layer{stage + 1}')(out, adv=adv)
        return torch.flatten(F.adaptive_avg_pool2d(out, 1), 1)


class DualBatchNorm1d(nn.Module):
    """A batch norm in a head, main (`bn`) and auxiliary (`bn_adv`) sets; affine=False is SimSiam's fixed one."""

    takes_adv = True

    def __init__(self, n, adv_momentum=0.01, affine=True):
        super().__init__()
        self.bn = nn.BatchNorm1d(n, affine=affine)
        self.bn_adv = nn.BatchNorm1d(n, momentum=adv_momentum, affine=affine)

    def forward(self, x, adv=False):
        return (self.bn_adv if adv else self.bn)(x)


def simclr_projector_spec(feature_dim, out=64, hidden=0):
    """SimCLR's head: Linear(c, hidden or c), ReLU, Linear(., out)."""
    return [{'out': hidden or feature_dim, 'bias': True, 'bn': 'none', 'relu': True}, {'out': out, 'bias': True, 'bn': 'none', 'relu': False}]


class Projector(_AdvSequential):
    """A head from a layer list ({out, bias, bn: none|affine|fixed, relu}), numbered as nn.Sequential
    numbers it: SimCLR's is projector.0 (Linear), projector.1 (ReLU), projector.2 (Linear)."""

    def __init__(self, in_dim, spec, adv_momentum=0.01):
        mods = []
        d = in_dim
        for layer in spec:
            mods.append(nn.Linear(d, layer['out'], bias=layer['bias']))
            if layer['bn'] != 'none':
                mods.append(DualBatchNorm1d(layer['out'], adv_momentum, affine=layer['bn'] == 'affine'))
            if layer['relu']:
                mods.append(nn.ReLU())
            d = layer['out']
        super().__init__(*mods)
        self.spec = [dict(layer) for layer in spec]
        self.out_dim = d


class SimCLRModel(nn.Module):
    """encoder (ResNet18DualBN) + projector; forward(x, adv) -> (h, z) with z L2-normalised, as the
    reference's SimCLR_BN (normalize=True)."""

    def __init__(self, widths=(64, 128, 256, 512), blocks=(2, 2, 2, 2), projector=None, adv_momentum=0.01, channels=3):
        super().__init__()
        self.encoder = ResNet18DualBN(widths, blocks, adv_momentum, channels)
        spec = projector if projector is not None else simclr_projector_spec(self.encoder.feature_dim)
        self.projector = Projector(self.encoder.feature_dim, spec, adv_momentum)

    def project(self, h, adv=False):
        """The head's output before normalisation."""
        return self.projector(h, adv=adv)

    def forward(self, x, adv=False, normalize=True):
        h = self.encoder(x, adv=adv)
        z = self.project(h, adv=adv)
        return h, (F.normalize(z, dim=1) if normalize else z)
