"""The IDAA authors' CIFAR VAE (CVAE_cifar_withbn), with their parameter names and layout.

`state_dict()` keys are the reference's (encoder.0.weight, encoder.6.convs.1.weight, fc11.weight,
decoder.4.weight, bn.running_var, ...), so a checkpoint their train_vae.py wrote
(`torch.save(model.state_dict(), ...)`, the file SimCLR/main.py takes as --vae_path) loads with
`load_state_dict`, and `forward` has their signature: forward(x) -> (z, G(x), mu, logvar) and
forward(z, decode=True) -> G from a latent. One generalisation: the bottleneck side f is
image_size // 4 (the reference hard-codes 8, i.e. 32x32 inputs), so small test images work too.
"""
import torch
from torch import nn


class ResBlock(nn.Module):
    """x + Conv1x1(LeakyReLU(BN(Conv3x3(LeakyReLU(x))))), channels unchanged (the reference's bn=True block)."""

    def __init__(self, channels):
        super().__init__()
        self.convs = nn.Sequential(
            nn.LeakyReLU(),
            nn.Conv2d(channels, channels, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(channels),
            nn.LeakyReLU(),
            nn.Conv2d(channels, channels, kernel_size=1, stride=1, padding=0),
        )

    def forward(self, x):
        return x + self.convs(x)


class CVAE(nn.Module):
    """CVAE_cifar_withbn(d, z): 4x4 stride-2 convs to an (image_size/4)^2 x d map, dense heads mu and
    log-variance, a mirrored decoder, tanh, then a BatchNorm over the image channels (`bn`), so that
    G(x) lives in normalised-input space."""

    def __init__(self, d=128, z=512, image_size=32, channels=3):
        super().__init__()
        if image_size % 4:
            raise ValueError(f'the CVAE needs an image size divisible by 4, got {image_size}')
        self.encoder = nn.Sequential(
            nn.Conv2d(channels, d // 2, kernel_size=4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(d // 2),
            nn.ReLU(inplace=True),
            nn.Conv2d(d // 2, d, kernel_size=4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(d),
            nn.ReLU(inplace=True),
            ResBlock(d),
            nn.BatchNorm2d(d),
            ResBlock(d),
        )
        self.decoder = nn.Sequential(
            ResBlock(d),
            nn.BatchNorm2d(d),
            ResBlock(d),
            nn.BatchNorm2d(d),
            nn.ConvTranspose2d(d, d // 2, kernel_size=4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(d // 2),
            nn.LeakyReLU(inplace=True),
            nn.ConvTranspose2d(d // 2, channels, kernel_size=4, stride=2, padding=1, bias=False),
        )
        self.bn = nn.BatchNorm2d(channels)
        self.f = image_size // 4
        self.d = d
        self.z = z
        self.image_size = image_size
        self.channels = channels
        self.fc11 = nn.Linear(d * self.f ** 2, z)
        self.fc12 = nn.Linear(d * self.f ** 2, z)
        self.fc21 = nn.Linear(z, d * self.f ** 2)

    def encode(self, x):
        h = self.encoder(x)
        h1 = h.reshape(-1, self.d * self.f ** 2)
        return h, self.fc11(h1), self.fc12(h1)

    def reparameterize(self, mu, logvar):
        if self.training:
            return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return mu

    def decode(self, z_projected):
        """tanh(decoder(fc21 output)); `generate` adds fc21 before and the output BatchNorm after."""
        return torch.tanh(self.decoder(z_projected.reshape(-1, self.d, self.f, self.f)))

    def generate(self, z):
        """Dec(z) = bn(tanh(decoder(fc21(z)))): what the reference's vae(z, True) returns."""
        return self.bn(self.decode(self.fc21(z)))

    def forward(self, x, decode=False):
        if decode:
            return self.generate(x)
        _, mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        return z, self.generate(z), mu, logvar

    @torch.no_grad()
    def decompose(self, x):
        """(z = mu(x), G(x) = Dec(z), R(x) = x - G(x)) with this module's current mode (the reference: eval)."""
        _, mu, _ = self.encode(x)
        gx = self.generate(mu)
        return mu, gx, x - gx


def vae_loss(x, gx, mu, logvar, beta=0.1):
    """The reference's loss: MSE(x, G(x)) + beta * KL_sum / (batch * 3 * dim); the 3 is its constant."""
    mse = torch.mean((x - gx) ** 2)
    kl = -0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp()) / (mu.shape[0] * 3 * mu.shape[1])
    return mse + beta * kl, mse, kl
