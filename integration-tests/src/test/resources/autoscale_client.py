"""Autoscale seen from Celery: python3 autoscale_client.py <broker-url> <node-name> <backend-url>.

Sends 200 tasks sleeping 0.2 s to a worker started with autoscale 8,1 (prefetch multiplier 1, where Celery's
own autoscaler stalls: celery/celery#4003), watches `inspect stats` and prints the largest and the final
number of workers the autoscaler reports, and whether every task returned.
"""
import json
import sys
import time

from celery import Celery

url, node, backend = sys.argv[1], sys.argv[2], sys.argv[3]
app = Celery('autoscale_client', broker=url, backend=backend)


@app.task(name='sleep')
def sleep(seconds):
    raise AssertionError('runs on the Celeriac worker, never here')


def current():
    stats = (app.control.inspect(destination=[node], timeout=1).stats() or {}).get(node, {})
    return stats.get('autoscaler', {}).get('current', 0)


results = [sleep.delay(0.2) for _ in range(200)]
peak = 0
while not all(r.ready() for r in results):
    peak = max(peak, current())
    time.sleep(0.2)
done = all(r.get(timeout=60) == 0.2 for r in results)
end = time.time() + 20
final = current()
while time.time() < end and final != 1:
    time.sleep(0.5)
    final = current()
print(json.dumps({'peak': peak, 'final': final, 'all_done': done}))
