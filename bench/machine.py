"""How busy the machine was during a run, outside the processes under test: the noise.

From /proc/stat (all CPUs) less what the server processes and wrk themselves used, the
cores other processes kept busy; and the time the hypervisor stole from this VM.
"""

import os
import resource
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Snapshot:
    busy_s: float  # every CPU's non-idle time
    steal_s: float
    children_s: float  # CPU time of the bench's finished children (wrk)


def snapshot() -> Snapshot:
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        fields = []
    # user nice system idle iowait irq softirq steal (guest time is already in user).
    values = [int(v) / TICKS for v in fields[:8]] + [0.0] * (8 - len(fields[:8]))
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Snapshot(
        busy_s=user + nice + system + irq + softirq,
        steal_s=steal,
        children_s=children.ru_utime + children.ru_stime,
    )


def other_load(before: Snapshot, after: Snapshot, servers_s: float, seconds: float) -> dict:
    """Cores busy outside the servers and wrk, and cores stolen, over `seconds`."""
    wrk_s = after.children_s - before.children_s
    other = after.busy_s - before.busy_s - servers_s - wrk_s
    return {
        "wrk_cores": round(wrk_s / seconds, 3),
        "other_cores": round(max(other, 0.0) / seconds, 3),
        "steal_cores": round((after.steal_s - before.steal_s) / seconds, 3),
    }
