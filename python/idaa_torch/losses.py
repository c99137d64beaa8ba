"""NT-Xent as the reference computes it (SimCLR/modules/nt_xent.py): cosine similarities of the 2N
projections at temperature t; each sample's positive is its other view and the other 2N - 2 are
negatives; cross-entropy summed over the 2N rows and divided by 2N (= the mean)."""
import torch
import torch.nn.functional as F


def nt_xent_terms(z_i, z_j, temperature=0.5):
    """Per pair i: the mean of its two rows' -log softmax of the positive; nt_xent is their mean."""
    n = z_i.shape[0]
    z = F.normalize(torch.cat([z_i, z_j], dim=0), dim=1)
    sim = z @ z.t() / temperature
    sim = sim.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device), float('-inf'))
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    rows = F.cross_entropy(sim, target, reduction='none')
    return (rows[:n] + rows[n:]) / 2


def nt_xent(z_i, z_j, temperature=0.5):
    return nt_xent_terms(z_i, z_j, temperature).mean()
