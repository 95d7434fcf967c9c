"""A Python Celery client driving a Celeriac worker: python3 celery_client.py <broker-url> <node-name> <backend-url> [reference].

Uses Celery's own API only (no Celeriac code): tasks are declared by name, as an app that sends tasks
to workers written in another language does. Prints one JSON object: check name -> outcome. With 'reference'
it drives Celery's own worker (reference_worker.py) instead, for the comparison, and waits only briefly where
Celery's worker is known to store nothing (an unregistered task).
"""
import json
import math
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

from celery import Celery, chain, chord, group
from celery.result import AsyncResult
from celery.utils.saferepr import saferepr

url, node, backend = sys.argv[1], sys.argv[2], sys.argv[3]
reference = len(sys.argv) > 4 and sys.argv[4] == 'reference'
# How long to wait where Celery's own worker is known to store no result: an unregistered task, and an errback
# whose Python function takes *args (Celery then calls it in the worker as errback(request, exc, traceback)
# instead of sending it as a task; a Java task has no such signature, so Celeriac always sends it).
divergent_wait = 3 if reference else 30
app = Celery('celeriac_interop', broker=url, backend=backend)
app.conf.broker_connection_retry_on_startup = True


@app.task(name='add')
def add(*args):
    raise AssertionError('runs on the Celeriac worker, never here')


@app.task(name='xsum')
def xsum(numbers, *more):
    raise AssertionError('runs on the Celeriac worker, never here')


@app.task(name='echo')
def echo(*args, **kwargs):
    raise AssertionError('runs on the Celeriac worker, never here')


@app.task(name='fail')
def fail(message):
    raise AssertionError('runs on the Celeriac worker, never here')


@app.task(name='sleep')
def sleep(seconds):
    raise AssertionError('runs on the Celeriac worker, never here')


@app.task(name='flaky')
def flaky(failures):
    raise AssertionError('runs on the Celeriac worker, never here')


@app.task(name='no.such.task')
def unknown():
    raise AssertionError('runs on the Celeriac worker, never here')


def error_of(result, timeout=30):
    try:
        return {'value': result.get(timeout=timeout)}
    except Exception as e:  # the exception Celery rebuilt from the stored result
        return {'type': type(e).__name__, 'message': str(e)}


def wait_active(task_id, deadline=20):
    end = time.time() + deadline
    while time.time() < end:
        active = app.control.inspect(destination=[node], timeout=1).active() or {}
        if any(t['id'] == task_id for t in active.get(node, [])):
            return True
        time.sleep(0.1)
    return False


events = []


def capture_events():
    # What `celery events` and Flower do: a receiver bound to the celeryev topic exchange.
    with app.connection() as conn:
        app.events.Receiver(conn, handlers={'*': events.append}).capture(limit=None, timeout=None, wakeup=False)


threading.Thread(target=capture_events, daemon=True).start()
end = time.time() + 20
while time.time() < end and not any(e['type'] == 'worker-heartbeat' and e['hostname'] == node for e in events):
    time.sleep(0.1)

out = {}
out['heartbeat'] = any(e['type'] == 'worker-heartbeat' and e['hostname'] == node for e in events)
first = add.delay(2, 3)
out['add'] = first.get(timeout=30)
out['kwargs'] = echo.apply_async(args=[1], kwargs={'k': 'v'}).get(timeout=30)
extended = add.delay(7, 8)
extended.get(timeout=30)
out['result_extended'] = [extended.name, extended.args, extended.worker, extended.queue]
# Python's json sends NaN and Infinity as bare tokens: a float argument must survive the trip.
special = echo.delay(float('nan'), float('inf')).get(timeout=30)  # echo returns its args
out['nan_inf'] = math.isnan(special[0]) and special[1] == float('inf')
repr_task = echo.apply_async(args=[1.5, None], kwargs={'k': [True, "it's"]})
repr_task.get(timeout=30)
out['fail'] = error_of(fail.delay('boom'))
out['unknown'] = error_of(unknown.delay(), timeout=divergent_wait)
start = time.time()
out['countdown'] = add.apply_async((1, 1), countdown=1).get(timeout=30)
out['countdown_waited'] = time.time() - start
out['priority'] = add.apply_async((3, 4), priority=5).get(timeout=30)
out['priority_lowest'] = add.apply_async((4, 5), priority=9).get(timeout=30)  # kombu's last priority key
out['expired'] = error_of(add.apply_async((1, 1), expires=datetime.now(timezone.utc) - timedelta(seconds=5)))
out['time_limit'] = error_of(sleep.apply_async((20,), time_limit=1))
out['many'] = [r.get(timeout=60) for r in [add.delay(i, i) for i in range(50)]]
out['retried'] = flaky.delay(2).get(timeout=30)
out['retries_exhausted'] = error_of(flaky.delay(5))
chained = chain(add.s(2, 3), add.s(10), echo.si('done')).apply_async()
out['chain'] = chained.get(timeout=30)
out['chain_middle'] = chained.parent.get(timeout=30)
out['link'] = add.apply_async((1, 1), link=add.s(100)).get(timeout=30)
out['chain_failure'] = error_of(chain(fail.s('chain boom'), add.s(1)).apply_async())
# link_error on a chain reaches every step: here the second one fails, and the errback gets its id.
second_eb = str(uuid.uuid4())
second = chain(add.s(1, 1), fail.si('second step')).apply_async(link_error=echo.s().set(task_id=second_eb))
error_of(second)
out['chain_second_errback'] = error_of(AsyncResult(second_eb, app=app), timeout=divergent_wait).get('value') == [second.id]
# An immutable errback (si) is called with its own arguments only.
imm_eb = str(uuid.uuid4())
error_of(fail.apply_async(('imm',), link_error=echo.si('imm').set(task_id=imm_eb)))
out['immutable_errback'] = error_of(AsyncResult(imm_eb, app=app), timeout=divergent_wait).get('value')
# Celery's built-in tasks: map, starmap, and chunks (a group of starmap tasks).
out['map'] = xsum.map([[1, 2], [3, 4]]).delay().get(timeout=30)
out['starmap'] = add.starmap([(1, 2), (3, 4)]).delay().get(timeout=30)
out['chunks'] = add.chunks(zip(range(6), range(6)), 3).group().apply_async().get(timeout=30)
# A chord through the Redis result backend: the body gets the header's results in order.
out['chord'] = chord([add.s(i, i) for i in range(10)])(xsum.s(100)).get(timeout=60)
failed_chord = chord([add.s(1, 1), fail.s('in the header')])(xsum.s())
# The chord's own result raises the header's error first (Celery checks parents); the body itself is ChordError.
body_result = AsyncResult(failed_chord.id, app=app)
body_result.get(timeout=60, propagate=False)
out['chord_failure'] = {'type': type(body_result.result).__name__, 'message': str(body_result.result)}
# Groups and chords inside chains and as callbacks, and chords whose body is a chain or a group.
out['chain_group'] = chain(add.s(1, 1), group(add.s(10), add.s(20))).apply_async().get(timeout=30)
out['chain_chord'] = chain(add.s(1, 1), group(add.s(10), add.s(20)), xsum.s()).apply_async().get(timeout=30)
out['chord_chain_body'] = chord([add.s(1, 1), add.s(2, 2)])(chain(xsum.s(), add.s(100))).get(timeout=30)
out['chord_group_body'] = chord([add.s(1, 1), add.s(2, 2)])(group(xsum.s(), xsum.s(10))).get(timeout=30)
# result.children: what the worker sent after the task, as Celery's worker records it.
linked = add.apply_async((1, 1), link=add.s(100))
linked.get(timeout=30)
out['children_link'] = [c.get(timeout=30) for c in linked.children or []]
linked_group = add.apply_async((1, 1), link=group(add.s(10), add.s(20)))
linked_group.get(timeout=30)
out['children_link_group'] = [c.get(timeout=30) for c in linked_group.children or []]
linked_chain = add.apply_async((1, 1), link=chain(add.s(10), add.s(20)))
linked_chain.get(timeout=30)
out['children_link_chain'] = [c.get(timeout=30) for c in linked_chain.children or []]
linked_chord = add.apply_async((1, 1), link=chord([add.s(10), add.s(20)], xsum.s()))
linked_chord.get(timeout=30)
out['children_link_chord'] = [c.get(timeout=30) for c in linked_chord.children or []]

tracked = sleep.delay(1.5)
end = time.time() + 10
while time.time() < end and tracked.state != 'STARTED':
    time.sleep(0.05)
out['track_started'] = tracked.state
out['after_started'] = tracked.get(timeout=30)

long_task = sleep.delay(60)
out['long_task_seen_active'] = wait_active(long_task.id)
inspect = app.control.inspect(destination=[node], timeout=2)
running = [t for t in (inspect.active() or {}).get(node, []) if t['id'] == long_task.id]
out['active_fields'] = bool(running) and running[0]['time_start'] is not None \
    and running[0]['delivery_info']['routing_key'] == 'celery' and running[0]['acknowledged'] is False
out['query_task'] = (inspect.query_task(long_task.id) or {}).get(node, {}).get(long_task.id, [None])[0]
app.control.revoke(long_task.id, terminate=True)
out['terminated'] = error_of(long_task, timeout=20)
later = add.apply_async((1, 2), countdown=3)
end = time.time() + 10
scheduled = []
while time.time() < end and later.id not in scheduled:
    scheduled = [e['request']['id'] for e in (inspect.scheduled() or {}).get(node, [])]
    time.sleep(0.1)
out['scheduled'] = later.id in scheduled
app.control.revoke(later.id)
out['revoked_before_start'] = error_of(later, timeout=20)

out['ping'] = inspect.ping()
stats = (inspect.stats() or {}).get(node, {})
out['stats_rusage'] = 'maxrss' in stats.get('rusage', {})
out['stats_processes'] = stats.get('pool', {}).get('processes')
queues = (inspect.active_queues() or {}).get(node, [])
# Flower's worker page reads these keys of every queue (a KeyError there was an HTTP 500).
out['active_queues_keys'] = bool(queues) and all(k in queues[0] for k in (
    'name', 'exclusive', 'durable', 'routing_key', 'no_ack', 'alias', 'queue_arguments', 'binding_arguments',
    'auto_delete', 'exchange'))
out['conf_prefetch'] = (inspect.conf() or {}).get(node, {}).get('worker_prefetch_multiplier')
out['report'] = 'celeriac' in str((inspect.report() or {}).get(node, {}))
out['clock'] = 'clock' in (inspect.clock() or {}).get(node, {})
out['time_limit_set'] = app.control.time_limit('sleep', soft=0.5, hard=1, destination=[node], reply=True, timeout=2)
out['time_limited'] = error_of(sleep.delay(10), timeout=20)
app.control.time_limit('sleep', destination=[node], reply=True, timeout=2)
out['rate_limit_set'] = app.control.rate_limit('add', '10/s', destination=[node], reply=True, timeout=2)
start = time.time()
limited = [add.delay(i, 1) for i in range(20)]
out['rate_limited'] = [r.get(timeout=60) for r in limited] == [i + 1 for i in range(20)]
out['rate_limited_seconds'] = time.time() - start
app.control.rate_limit('add', '', destination=[node], reply=True, timeout=2)
out['events_off'] = app.control.disable_events(destination=[node], reply=True, timeout=2)
quiet = add.delay(5, 5)
quiet.get(timeout=30)
app.control.enable_events(destination=[node], reply=True, timeout=2)
out['stats_pool'] = (inspect.stats() or {}).get(node, {}).get('pool', {}).get('implementation')
out['registered_add'] = 'add' in (inspect.registered() or {}).get(node, [])
out['grow'] = app.control.pool_grow(1, destination=[node], reply=True, timeout=2)
out['unknown_command'] = app.control.broadcast('no_such_command', destination=[node], reply=True, timeout=2)
app.control.add_consumer('extra', destination=[node], reply=True, timeout=2)
out['extra_queue_listed'] = 'extra' in [q['name'] for q in (inspect.active_queues() or {}).get(node, [])]
out['extra_queue'] = add.apply_async((2, 2), queue='extra').get(timeout=30)
out['cancel_consumer'] = app.control.cancel_consumer('extra', destination=[node], reply=True, timeout=2)
out['autoscale'] = app.control.autoscale(4, 2, destination=[node], reply=True, timeout=2)
out['autoscaler'] = (inspect.stats() or {}).get(node, {}).get('autoscaler')
app.control.autoscale(0, 0, destination=[node], reply=True, timeout=2)
failed_id = fail.delay('event').id
time.sleep(0.5)
end = time.time() + 10
while time.time() < end and not any(e.get('uuid') == failed_id and e['type'] == 'task-failed' for e in events):
    time.sleep(0.1)
out['task_events'] = sorted({e['type'] for e in events if e.get('uuid') == first.id})
received = [e for e in events if e.get('uuid') == repr_task.id and e['type'] == 'task-received']
# Celery's worker sends args/kwargs as the producer's saferepr() strings; Flower shows them as they are.
out['event_repr'] = bool(received) and received[0]['args'] == saferepr([1.5, None], 1024) \
    and received[0]['kwargs'] == saferepr({'k': [True, "it's"]}, 1024)
out['failed_events'] = sorted({e['type'] for e in events if e.get('uuid') == failed_id})
out['quiet_events'] = [e['type'] for e in events if e.get('uuid') == quiet.id]
print(json.dumps(out))
