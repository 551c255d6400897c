"""`ops/k8s/validate --self-test`: the validator must refuse broken manifests.

Copies ops/k8s to a temporary folder, checks the copy passes, then breaks one thing at a time
(each case one edit to one file) and expects the check to fail naming the problem; last, runs
the validator as a separate process on a broken copy and expects exit status 1.
"""
import io
import os
import shutil
import subprocess
import sys
import tempfile

# (name, file, text to find, its replacement, what the error output must contain)
CASES = [
    ("unknown field (typo)", "worker.yaml", "terminationGracePeriodSeconds: 75",
     "terminationGracePeriodSecond: 75", "terminationGracePeriodSecond"),
    ("wrong type", "migrate-job.yaml", "runAsNonRoot: true", 'runAsNonRoot: "yes"', "is not of type 'boolean'"),
    ("YAML syntax", "worker.yaml", "      containers:\n", "      containers:\n\t- oops\n", "YAML:"),
    ("duplicate key", "dashboard.yaml", "terminationGracePeriodSeconds: 30\n",
     "terminationGracePeriodSeconds: 30\n      terminationGracePeriodSeconds: 45\n", "duplicate key"),
    ("grace period shorter than the worker's", "worker.yaml", "terminationGracePeriodSeconds: 75",
     "terminationGracePeriodSeconds: 30", "must exceed the worker's grace period"),
    ("probe path", "worker.yaml", "path: /readyz", "path: /ready", "readinessProbe must GET /readyz"),
    ("secret file not in the Secret", "worker.yaml", "/var/run/secrets/closebell/amqp-url",
     "/var/run/secrets/closebell/amqp_url", "holds no key amqp_url"),
    ("unknown environment setting", "worker.yaml", "name: CLOSEBELL_METRICS_PORT",
     "name: CLOSEBELL_METRIC_PORT", "CLOSEBELL_METRIC_PORT is no setting"),
    ("KEDA metadata not a string", "worker-scaledobject.yaml", 'value: "4"', "value: 4",
     "is not of type 'string'"),
    ("KEDA unknown parameter", "worker-scaledobject.yaml", "queueName: closebell.chunks\n",
     "queueName: closebell.chunks\n        queueLenght: \"4\"\n", "queueLenght"),
    ("KEDA target missing", "worker-scaledobject.yaml", "    name: closebell-worker\n  pollingInterval",
     "    name: closebell-workers\n  pollingInterval", "scaleTargetRef: no Deployment closebell-workers"),
    ("KEDA watches the wrong queue", "worker-scaledobject.yaml", "queueName: closebell.chunks\n",
     "queueName: closebell.chunk\n", "the workers consume"),
    ("unknown setting in the ConfigMap", "configmap.yaml", "grace_period_seconds: 60",
     "grace_period_second: 60", "unknown setting worker.grace_period_second"),
    ("secret in the ConfigMap", "configmap.yaml", "    delivery:\n",
     "    amqp:\n      url: amqps://rabbitmq.example.internal/\n    delivery:\n", "amqp.url is a secret"),
    ("CronJob may overlap", "coordinator-cronjob.yaml", "concurrencyPolicy: Forbid",
     "concurrencyPolicy: Allow", "concurrencyPolicy must be Forbid"),
    ("podFailurePolicy names no container", "coordinator-cronjob.yaml", "containerName: coordinator",
     "containerName: coordinater", "names container 'coordinater'"),
    ("kustomization lists a missing file", "kustomization.yaml", "  - dashboard.yaml",
     "  - dashbord.yaml", "dashbord.yaml does not exist"),
    ("kustomization applies the secret placeholders", "kustomization.yaml", "  - namespace.yaml",
     "  - namespace.yaml\n  - secrets.example.yaml", "would overwrite real secrets"),
    ("a real-looking password", "secrets.example.yaml", "closebell_worker:CHANGE_ME@",
     "closebell_worker:hunter2@", "must be the placeholder"),
    ("PostgreSQL without verify-full", "secrets.example.yaml", "sslmode=verify-full",
     "sslmode=require", "sslmode=verify-full"),
    ("plain-text AMQP", "secrets.example.yaml", 'amqp-url: "amqps://closebell_worker',
     'amqp-url: "amqp://closebell_worker', "plain-text URL"),
    ("missing limits", "dashboard.yaml", "              memory: 1Gi\n", "", "resources.limits.memory missing"),
    ("window cache on no volume", "coordinator-cronjob.yaml", "value: /cache/windows",
     "value: /var/cache/windows", "/var/cache/windows: no volume is mounted there"),
    ("window cache on a volume that keeps nothing", "coordinator-cronjob.yaml",
     "- name: cache\n              persistentVolumeClaim:\n                claimName: closebell-cache\n",
     "- name: cache\n              emptyDir: {}\n", "is no PersistentVolumeClaim"),
    ("models mounted elsewhere", "worker.yaml", "mountPath: /models", "mountPath: /srv/models",
     "closebell-models is mounted at /srv/models"),
    ("privileged container", "dashboard.yaml", "allowPrivilegeEscalation: false",
     "allowPrivilegeEscalation: true", "allowPrivilegeEscalation false"),
]


def copy_tree(src, dst):
    os.makedirs(os.path.join(dst, "schemas"))
    for f in os.listdir(src):
        if f.endswith(".yaml"):
            shutil.copy(os.path.join(src, f), dst)
    for f in os.listdir(os.path.join(src, "schemas")):
        shutil.copy(os.path.join(src, "schemas", f), os.path.join(dst, "schemas"))


def run(schemas, check, here):
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="closebell-k8s-") as tmp:
        pristine = os.path.join(tmp, "pristine")
        copy_tree(here, pristine)
        out = io.StringIO()
        if check(pristine, schemas, out=out) == 0:
            passed += 1
            print("ok   the manifests as they are pass")
        else:
            failed += 1
            print("FAIL the manifests as they are do not pass:\n" + out.getvalue())
        for i, (name, f, old, new, expect) in enumerate(CASES):
            work = os.path.join(tmp, f"case{i}")
            shutil.copytree(pristine, work)
            path = os.path.join(work, f)
            with open(path) as fh:
                text = fh.read()
            if old not in text:
                failed += 1
                print(f"FAIL {name}: {f} no longer contains {old!r}: update the case")
                continue
            with open(path, "w") as fh:
                fh.write(text.replace(old, new, 1))
            out = io.StringIO()
            n = check(work, schemas, out=out)
            if n > 0 and expect in out.getvalue():
                passed += 1
                print(f"ok   {name}: refused ({n} error{'s' if n > 1 else ''})")
            else:
                failed += 1
                print(f"FAIL {name}: expected an error containing {expect!r}, got {n} errors:\n{out.getvalue()}")
        # The real entry point, as another process: a broken tree must exit 1.
        broken = os.path.join(tmp, "case0")
        proc = subprocess.run([sys.executable, os.path.join(here, "check_manifests.py"), broken],
                              capture_output=True, text=True)
        if proc.returncode == 1:
            passed += 1
            print("ok   a broken tree makes the validator exit 1")
        else:
            failed += 1
            print(f"FAIL a broken tree: exit {proc.returncode}\n{proc.stdout}{proc.stderr}")
    print(f"self-test: {passed} passed, {failed} failed")
    return 1 if failed else 0
