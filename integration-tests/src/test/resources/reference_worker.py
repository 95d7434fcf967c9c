"""Celery's own worker with Python versions of the example tasks: python3 reference_worker.py <broker> <backend> <node>.

PythonCeleryIT runs celery_client.py against this worker and against Celeriac, on the same Redis, and compares
the answers: this is the behaviour Celeriac has to match. The tasks mirror the Java example tasks (same names,
arguments, results, and the same exception class names, so that only the workers differ), and the worker is
configured as the Celeriac worker is in that test: prefork with 2 children, task events (-E), STARTED states,
extended results.
"""
import sys
import time

from celery import Celery

url, backend, node = sys.argv[1], sys.argv[2], sys.argv[3]
app = Celery('celeriac_interop', broker=url, backend=backend)
app.conf.broker_connection_retry_on_startup = True
app.conf.task_track_started = True
app.conf.result_extended = True


class IllegalStateException(Exception):
    pass


class IOException(Exception):
    pass


@app.task(name='add')
def add(*args):
    return sum(args)


@app.task(name='xsum')
def xsum(numbers, *more):
    return sum(numbers) + sum(more)


@app.task(name='echo')
def echo(*args, **kwargs):
    return list(args) if not kwargs else {'args': list(args), 'kwargs': kwargs}


@app.task(name='fail')
def fail(message):
    raise IllegalStateException(message)


@app.task(name='sleep')
def sleep(seconds):
    time.sleep(seconds)
    return seconds


@app.task(name='flaky', bind=True, autoretry_for=(IOException,), max_retries=3, default_retry_delay=0.2)
def flaky(self, failures):
    if self.request.retries < failures:
        raise IOException('flaky: run %d of %d fails on purpose' % (self.request.retries + 1, failures + 1))
    return self.request.retries


if __name__ == '__main__':
    app.worker_main(['worker', '-P', 'prefork', '-c', '2', '-E', '-n', node, '--without-gossip', '--without-mingle',
                     '--loglevel', 'WARNING'])
