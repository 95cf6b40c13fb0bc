"""A Spark standalone cluster on 127.0.0.1 (one master, N workers) for the tests and the
scaling benchmark: the same deploy path as a real cluster (executors in their own JVMs and
Python workers, tasks scheduled by a master), on one machine.

    with LocalCluster(workers=2, cores_per_worker=1, base=tmp, env=env) as cluster:
        spark-submit --master cluster.master_url ...

Every daemon runs in its own process group, so stopping it also stops the executors it
started; stop() runs on every exit from the with-block, failures included.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import socket
import subprocess
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spark_home() -> pathlib.Path:
    """The Spark that the pyspark wheel ships (bin/spark-class, bin/spark-submit, jars/)."""
    import pyspark

    return pathlib.Path(pyspark.__file__).resolve().parent


class LocalCluster:
    def __init__(self, workers: int, cores_per_worker: int, base: pathlib.Path, env: dict[str, str],
                 memory_per_worker: str = "2g", start_timeout: float = 90):
        self.workers, self.cores, self.memory = workers, cores_per_worker, memory_per_worker
        self.base, self.env, self.start_timeout = pathlib.Path(base), dict(env), start_timeout
        self.port, self.ui_port = free_port(), free_port()
        self.master_url = f"spark://127.0.0.1:{self.port}"
        self.worker_dirs = [self.base / f"worker-{i}" for i in range(workers)]
        self.procs: list[subprocess.Popen] = []

    def _daemon(self, name: str, args: list[str]) -> subprocess.Popen:
        self.base.mkdir(parents=True, exist_ok=True)
        with open(self.base / f"{name}.log", "w") as out:
            proc = subprocess.Popen([str(spark_home() / "bin" / "spark-class"), *args], stdout=out,
                                    stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
        self.procs.append(proc)
        return proc

    def alive_workers(self) -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.ui_port}/json/", timeout=2) as r:
                return int(json.load(r).get("aliveworkers", 0))
        except (OSError, ValueError):
            return -1

    def start(self) -> "LocalCluster":
        self._daemon("master", ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                                "--port", str(self.port), "--webui-port", str(self.ui_port)])
        for i, work in enumerate(self.worker_dirs):
            self._daemon(f"worker-{i}", ["org.apache.spark.deploy.worker.Worker",
                                         "--host", "127.0.0.1",
                                         "--cores", str(self.cores), "--memory", self.memory,
                                         "--webui-port", str(free_port()), "--work-dir", str(work),
                                         self.master_url])
        deadline = time.monotonic() + self.start_timeout
        while self.alive_workers() < self.workers:
            dead = [p.args[1] for p in self.procs if p.poll() is not None]
            if dead:
                raise RuntimeError(f"spark daemons exited early: {dead}; logs in {self.base}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.workers} workers did not register in "
                                   f"{self.start_timeout:.0f} s; logs in {self.base}")
            time.sleep(0.3)
        return self

    def submit_conf(self) -> dict[str, str]:
        """Spark options that make an application use the whole cluster and wait for it:
        without them the first executor to register can take every task."""
        total = self.workers * self.cores
        return {
            "spark.cores.max": str(total),
            "spark.executor.cores": str(self.cores),
            "spark.scheduler.minRegisteredResourcesRatio": "1.0",
            "spark.default.parallelism": str(total),
        }

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()

    def __enter__(self) -> "LocalCluster":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
