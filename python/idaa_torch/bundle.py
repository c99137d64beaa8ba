"""A bundle: the folder `idaa export` writes and `idaa import` reads, and the companion's own checkpoint.

    idaa-torch.json      the config the PyTorch side needs (architecture, normalisation, IDAA settings)
    vae.safetensors      CVAE state_dict, the authors' names and NCHW layouts (absent if no VAE)
    encoder.safetensors  ResNet-18 + projector state_dict, the authors' names (absent if no encoder)

Batch-norm `num_batches_tracked` counters are not stored (they only matter with momentum=None);
loading fills them with 0, as load_state_dict does for checkpoints of older PyTorch versions.
"""
import json
import os
from dataclasses import dataclass
from typing import Optional

import torch

from .cvae import CVAE
from .resnet import SimCLRModel
from .safetensors import load_file, save_file

CONFIG_FILE = 'idaa-torch.json'
VAE_FILE = 'vae.safetensors'
ENCODER_FILE = 'encoder.safetensors'
FORMAT = 'idaa-torch-bundle'
VERSION = 1
VAE_ARCH = 'CVAE_cifar_withbn'
ENCODER_ARCH = 'resnet18-dualbn-cifar'
# CIFAR's constants, which the reference normalises with (and IDAA Studio's CIFAR readers use).
CIFAR_MEAN = [0.4914, 0.4822, 0.4465]
CIFAR_STD = [0.2023, 0.1994, 0.2010]


class BundleError(ValueError):
    """A bundle that cannot be read as one; the message names the file and what to do."""


@dataclass
class Bundle:
    config: dict
    vae: Optional[CVAE]
    model: Optional[SimCLRModel]

    @property
    def mean(self):
        return self.config['normalize']['mean']

    @property
    def std(self):
        return self.config['normalize']['std']


def _weights(module):
    return {k: v for k, v in module.state_dict().items() if not k.endswith('num_batches_tracked')}


def vae_config(vae):
    return {'architecture': VAE_ARCH, 'file': VAE_FILE, 'd': vae.d, 'z': vae.z, 'imageSize': vae.image_size, 'channels': vae.channels}


def encoder_config(model, method='simclr'):
    enc = model.encoder
    return {'architecture': ENCODER_ARCH, 'file': ENCODER_FILE, 'widths': list(enc.widths), 'blocks': list(enc.blocks),
            'auxBnMomentum': enc.adv_momentum, 'projector': model.projector.spec, 'method': method}


def save_bundle(folder, vae=None, model=None, normalize=None, idaa=None, ssl=None, trained=None, source=None, notes=None, run=None):
    """Writes a bundle of a CVAE and/or a SimCLRModel (either may be None, not both)."""
    if vae is None and model is None:
        raise ValueError('a bundle needs a VAE, an encoder or both')
    os.makedirs(folder, exist_ok=True)
    config = {
        'format': FORMAT, 'version': VERSION,
        'source': source or {'tool': 'idaa_torch'},
        'vae': vae_config(vae) if vae is not None else None,
        'encoder': encoder_config(model, (ssl or {}).get('method', 'simclr')) if model is not None else None,
        'normalize': normalize or {'mean': CIFAR_MEAN, 'std': CIFAR_STD},
        'idaa': idaa or {'eps': 0.1, 'steps': 1, 'alpha': 1.0},
        'ssl': ssl or {'method': 'simclr', 'temperature': 0.5},
        'trained': trained or {'vaeSteps': 0, 'sslSteps': 0},
        'notes': list(notes or []),
    }
    if run is not None:
        config['run'] = run
    if vae is not None:
        save_file(_weights(vae), os.path.join(folder, VAE_FILE), {'format': 'pt', 'architecture': VAE_ARCH})
    if model is not None:
        save_file(_weights(model), os.path.join(folder, ENCODER_FILE), {'format': 'pt', 'architecture': ENCODER_ARCH})
    tmp = os.path.join(folder, CONFIG_FILE + '.tmp')
    with open(tmp, 'w') as f:
        json.dump(config, f, indent=2)
        f.write('\n')
    os.replace(tmp, os.path.join(folder, CONFIG_FILE))
    return config


def read_config(folder):
    path = os.path.join(folder, CONFIG_FILE)
    if not os.path.isfile(path):
        raise BundleError(f'{folder}: not a bundle (no {CONFIG_FILE}); make one with `idaa export` or `python3 -m idaa_torch.convert`')
    with open(path) as f:
        config = json.load(f)
    if config.get('format') != FORMAT or config.get('version') != VERSION:
        raise BundleError(f'{path}: format {config.get("format")!r} version {config.get("version")!r}; this package reads {FORMAT} version {VERSION}')
    return config


def build_vae(cfg):
    if cfg.get('architecture') != VAE_ARCH:
        raise BundleError(f'VAE architecture {cfg.get("architecture")!r} is not known; this package builds {VAE_ARCH}')
    return CVAE(cfg['d'], cfg['z'], cfg['imageSize'], cfg.get('channels', 3))


def build_model(cfg):
    if cfg.get('architecture') != ENCODER_ARCH:
        raise BundleError(f'encoder architecture {cfg.get("architecture")!r} is not known; this package builds {ENCODER_ARCH}')
    return SimCLRModel(cfg['widths'], cfg['blocks'], cfg['projector'], cfg['auxBnMomentum'])


def load_weights(module, tensors, where):
    """Loads {name: tensor} into module, all names and shapes checked (num_batches_tracked may be absent)."""
    own = module.state_dict()
    missing = [k for k in own if k not in tensors and not k.endswith('num_batches_tracked')]
    unexpected = [k for k in tensors if k not in own]
    shapes = [f'{k} (file {list(tensors[k].shape)}, model {list(own[k].shape)})' for k in own if k in tensors and tensors[k].shape != own[k].shape]
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f'{len(missing)} missing (e.g. {", ".join(missing[:3])})')
        if unexpected:
            parts.append(f'{len(unexpected)} unexpected (e.g. {", ".join(unexpected[:3])})')
        if shapes:
            parts.append(f'{len(shapes)} with other shapes (e.g. {"; ".join(shapes[:3])})')
        raise BundleError(f'{where}: does not fit the model its config describes: {"; ".join(parts)}')
    full = dict(tensors)
    for k, v in own.items():
        if k.endswith('num_batches_tracked') and k not in full:
            full[k] = torch.zeros_like(v)
    module.load_state_dict({k: v.to(own[k].dtype) for k, v in full.items()})


def load_bundle(folder):
    """The bundle's models (eval mode), ready for inference or for training on."""
    config = read_config(folder)
    vae = model = None
    if config.get('vae'):
        vae = build_vae(config['vae'])
        path = os.path.join(folder, config['vae'].get('file', VAE_FILE))
        load_weights(vae, load_file(path), path)
        vae.eval()
    if config.get('encoder'):
        model = build_model(config['encoder'])
        path = os.path.join(folder, config['encoder'].get('file', ENCODER_FILE))
        load_weights(model, load_file(path), path)
        model.eval()
    return Bundle(config, vae, model)
