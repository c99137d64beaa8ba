"""idaa_torch: the PyTorch side of IDAA Studio (pure PyTorch, no other dependency).

- CVAE: the authors' CVAE_cifar_withbn, their parameter names (their --vae_path checkpoints load).
- SimCLRModel / ResNet18DualBN: the dual-BN CIFAR ResNet-18 + projector, their names.
- IDAA: x_adv exactly as the reference's gen_adv, for any training loop (DDP included).
- load_bundle / save_bundle: what `idaa export` writes and `idaa import` reads.
- python3 -m idaa_torch.convert: the authors' .pth checkpoints -> a bundle.
"""
from .bundle import Bundle, BundleError, load_bundle, save_bundle
from .cvae import CVAE, vae_loss
from .idaa import IDAA, AttackResult
from .losses import nt_xent, nt_xent_terms
from .resnet import ResNet18DualBN, SimCLRModel, simclr_projector_spec, widths_for

__all__ = ['Bundle', 'BundleError', 'load_bundle', 'save_bundle', 'CVAE', 'vae_loss', 'IDAA', 'AttackResult', 'nt_xent', 'nt_xent_terms',
           'ResNet18DualBN', 'SimCLRModel', 'simclr_projector_spec', 'widths_for']
__version__ = '0.1.0'
