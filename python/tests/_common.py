"""Shared by the bridge scripts the TypeScript tests run: the package on the path, NHWC <-> NCHW."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import torch  # noqa: E402

torch.set_num_threads(1)  # the same sums in the same order on every run


def nchw(t):
    return t.permute(0, 3, 1, 2).contiguous()


def nhwc(t):
    return t.permute(0, 2, 3, 1).contiguous()
