"""`torchrun`, runnable where Debian's PyTorch 1.13 meets Python 3.11:

    PYTHONPATH=python /usr/bin/python3 -m idaa_torch.torchrun --nproc_per_node 2 … script.py …

torch 1.13's launcher parses --redirects/--tee (default "0") by iterating the Std flag enum, and
Python 3.11 no longer yields a flag's zero or composite members, so `torchrun` fails before
starting any worker (AttributeError: 'NoneType' object has no attribute 'get'). This module
replaces that parser with one that builds the members by value, when (and only when) the
installed one is broken, then runs torch.distributed.run as is. Elsewhere, use torchrun itself.
"""
import re

from torch.distributed.elastic.multiprocessing import Std


def _from_str(cls, vm):
    if re.fullmatch(r'\d', vm):
        return cls(int(vm))
    if re.fullmatch(r'(\d:\d,)*\d:\d', vm):
        return {int(i): cls(int(v)) for i, v in (m.split(':') for m in vm.split(','))}
    raise ValueError(f'{vm} does not match: <num> or <num>:<num>,<num>:<num>,...')


def patch():
    """Fixes Std.from_str if it is broken; returns whether it was."""
    try:
        broken = Std.from_str('0') is None
    except Exception:
        broken = True
    if broken:
        Std.from_str = classmethod(_from_str)
    return broken


if __name__ == '__main__':
    patch()
    from torch.distributed.run import main

    main()
