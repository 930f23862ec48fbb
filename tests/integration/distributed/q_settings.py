"""Settings of the task clusters the distributed tests start: production's, with two test-only changes.

- `name`: a queue of their own on the shared Redis server (`django_q:<name>:q`), so a test run never takes
  tasks of another run or of a developer's cluster.
- `guard_cycle`: django-q2's guard calls the scheduler each time 30 s of guard cycles have added up, so
  with a 30 s cycle the scheduler runs on the first cycle, right after the cluster started, instead of
  30 s later. Both clusters then race for the same due schedules within seconds.
"""

import os

from backoffice.settings import *  # noqa: F403
from backoffice.settings import Q_CLUSTER

Q_CLUSTER = {**Q_CLUSTER, "name": os.environ["DISTRIBUTED_Q_NAME"], "guard_cycle": 30}
