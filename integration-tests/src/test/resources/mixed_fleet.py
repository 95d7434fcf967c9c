"""A Python Celery app whose tasks Python workers run too: python3 mixed_fleet.py worker|client <broker> <backend>.

'worker' runs Celery's own worker (solo pool) with Python implementations of add and xsum, each counting its
runs in Redis; 'client' sends a chord whose header both that worker and a Celeriac worker on the same queue
take from, and prints {"chord": result, "python_adds": n} once the body has run exactly once.
"""
import json
import sys

import redis
from celery import Celery, chord

mode, url, backend = sys.argv[1], sys.argv[2], sys.argv[3]
app = Celery('mixed_fleet', broker=url, backend=backend)
app.conf.broker_connection_retry_on_startup = True
counter = redis.Redis.from_url(url)


@app.task(name='add')
def add(x, y):
    counter.incr('python-adds')
    return x + y


@app.task(name='xsum')
def xsum(numbers, *more):
    counter.incr('python-xsums')
    return sum(numbers) + sum(more)


if mode == 'worker':
    app.worker_main(['worker', '-P', 'solo', '-c', '1', '-n', 'python@mixed', '--without-gossip',
                     '--without-mingle', '--loglevel', 'WARNING'])
else:
    node = 'python@mixed'
    # Wait until the Python worker answers, so that both workers are there when the header is sent.
    import time
    end = time.time() + 60
    while time.time() < end and not app.control.ping(destination=[node], timeout=0.5):
        time.sleep(0.2)
    result = chord([add.s(i, i) for i in range(40)])(xsum.s()).get(timeout=120)
    time.sleep(1)  # a second body, had there been one, would run within this
    print(json.dumps({'chord': result, 'python_adds': int(counter.get('python-adds') or 0),
                      'python_xsums': int(counter.get('python-xsums') or 0)}))
