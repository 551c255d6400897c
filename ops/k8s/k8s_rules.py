"""Closebell's own rules for its Kubernetes manifests, beyond what a schema can say (used by
check_manifests.py): every reference resolves to an object in the folder, every CLOSEBELL_*
variable and ConfigMap setting is one the apps read (Sources/Runtime/Configuration/SettingKey.swift),
secrets are files from Secrets whose example values are placeholders over TLS URLs, pods meet
the restricted Pod Security profile and carry requests and limits, the worker's termination
grace outlasts its own grace period and its probes hit /healthz and /readyz on the metrics port,
the CronJob never overlaps, and the autoscaler watches the queues the workers consume.
"""
import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SETTINGS_SWIFT = os.path.join(ROOT, "Sources/Runtime/Configuration/SettingKey.swift")
# Environment variables the apps read beside CLOSEBELL_<SETTING> and CLOSEBELL_<SECRET>_FILE.
EXTRA_ENV = {"CLOSEBELL_CONFIG", "CLOSEBELL_MANAGEMENT_URL"}
DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
PLACEHOLDER = "CHANGE_ME"


class UniqueKeyLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def settings():
    """(every setting key, the secret ones) from SettingKey.swift, the one list the apps use."""
    with open(SETTINGS_SWIFT) as f:
        text = f.read()
    keys = set(re.findall(r'SettingKey\("([a-z_.]+)"', text))
    secret = set(re.findall(r'SettingKey\("([a-z_.]+)", \.\w+, "[^"]*", secret: true', text))
    if not keys or not secret:
        raise SystemExit(f"cannot read the settings from {SETTINGS_SWIFT}")
    return keys, secret


def flatten(tree, prefix=""):
    for k, v in (tree or {}).items():
        path = f"{prefix}{k}"
        if isinstance(v, dict):
            yield from flatten(v, path + ".")
        else:
            yield path, v


def env_name(key):
    return "CLOSEBELL_" + key.upper().replace(".", "_")


def pod_spec(doc):
    kind, spec = doc.get("kind"), doc.get("spec") or {}
    if kind in ("Deployment", "Job"):
        return (spec.get("template") or {}).get("spec")
    if kind == "CronJob":
        return (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec")
    return None


def cross_checks(objs, kustomization, directory):
    """objs: [(file, doc)]. Returns [(file, object, message)]."""
    errs = []
    by_kind = {}
    for f, d in objs:
        by_kind.setdefault(d.get("kind"), {})[d.get("metadata", {}).get("name")] = (f, d)
    keys, secret_keys = settings()
    known_env = {env_name(k) for k in keys} | {env_name(k) + "_FILE" for k in secret_keys} | EXTRA_ENV
    config_file, config_doc = by_kind.get("ConfigMap", {}).get("closebell-config", ("configmap.yaml", None))
    where = (config_file, "ConfigMap/closebell-config")
    config = {}
    if config_doc is None:
        errs.append(where + ("missing: every pod reads its settings from it",))
    else:
        try:
            config = yaml.load((config_doc.get("data") or {}).get("closebell.yaml", ""), Loader=UniqueKeyLoader) or {}
        except yaml.YAMLError as e:
            errs.append(where + (f"closebell.yaml: YAML: {e}".replace("\n", " "),))
    for key, _ in flatten(config):
        if key in secret_keys:
            errs.append(where + (f"{key} is a secret: only …_FILE may set it",))
        elif key not in keys:
            errs.append(where + (f"unknown setting {key} (SettingKey.swift)",))
    flat = dict(flatten(config))
    prefix = flat.get("topology.prefix", "closebell")

    listed = set(kustomization.get("resources", [])) if kustomization else set()
    for f, d in objs:
        name, kind = d.get("metadata", {}).get("name", "?"), d.get("kind")
        def err(msg):
            errs.append((f, f"{kind}/{name}", msg))
        if not DNS1123.match(str(name)):
            err("metadata.name must be a DNS-1123 label")
        ns = d.get("metadata", {}).get("namespace")
        if kind not in ("Namespace", "RabbitmqCluster") and ns != "closebell":
            err(f"namespace {ns!r}: expected closebell")
        if kind == "Secret":
            if f in listed:
                err("a Secret in a file kustomization.yaml applies: placeholders would overwrite real secrets")
            if "data" in d:
                err("use stringData: base64 hides whether a value is a placeholder")
            for k, v in (d.get("stringData") or {}).items():
                if any(pw != PLACEHOLDER for pw in re.findall(r"://[^:/@\s]+:([^@\s]*)@", v)):
                    err(f"{k}: the password in the URL must be the placeholder {PLACEHOLDER}")
                if re.match(r"(http|amqp)://", v):
                    err(f"{k}: plain-text URL; show the TLS form (https://, amqps://)")
                if v.startswith("postgres") and "sslmode=verify-full" not in v:
                    err(f"{k}: PostgreSQL URLs must carry sslmode=verify-full")
                if ("password" in k or k == "ca") and PLACEHOLDER not in v:
                    err(f"{k}: must be the placeholder {PLACEHOLDER}")
        spec = pod_spec(d)
        if spec is not None:
            errs += [(f, f"{kind}/{name}", m) for m in check_pod(spec, by_kind, known_env, flat)]
        if kind == "Deployment" and name == "closebell-worker":
            errs += [(f, f"{kind}/{name}", m) for m in check_worker(spec or {}, flat)]
        if kind == "CronJob":
            s = d.get("spec", {})
            if s.get("concurrencyPolicy") != "Forbid":
                err("concurrencyPolicy must be Forbid: one daily coordinator at a time")
            if len(str(s.get("schedule", "")).split()) != 5:
                err("schedule must have five fields")
            if not s.get("timeZone"):
                err("timeZone must be set (the market's close, not the nodes' clock)")
        if kind in ("Job", "CronJob"):
            job = d.get("spec") or {}
            job = (job.get("jobTemplate") or {}).get("spec") or {} if kind == "CronJob" else job
            names = {c.get("name") for c in (spec or {}).get("containers", [])}
            for rule in (job.get("podFailurePolicy") or {}).get("rules", []):
                c = (rule.get("onExitCodes") or {}).get("containerName")
                if c is not None and c not in names:
                    err(f"podFailurePolicy names container {c!r}, which is not in the pod")
        if kind == "ScaledObject":
            errs += [(f, f"{kind}/{name}", m) for m in check_scaledobject(d, by_kind, prefix)]
        if kind == "TriggerAuthentication":
            for ref in d.get("spec", {}).get("secretTargetRef", []):
                s = by_kind.get("Secret", {}).get(ref.get("name"))
                if not s or ref.get("key") not in (s[1].get("stringData") or {}):
                    err(f"secretTargetRef {ref.get('name')}/{ref.get('key')}: no such Secret key")
    if kustomization is not None:
        for r in sorted(listed):
            if not os.path.isfile(os.path.join(directory, r)):
                errs.append(("kustomization.yaml", "Kustomization", f"{r} does not exist"))
        present = {os.path.basename(f) for f, _ in objs} | {"kustomization.yaml"}
        for f in sorted(present - listed - {"kustomization.yaml"}):
            if ".example." not in f:
                errs.append(("kustomization.yaml", "Kustomization", f"{f} is not listed (or name it *.example.yaml)"))
        for f in sorted(listed):
            if ".example." in f:
                errs.append(("kustomization.yaml", "Kustomization", f"{f} is an example: do not apply it"))
    return errs


def check_pod(spec, by_kind, known_env, config):
    out = []
    sc = spec.get("securityContext") or {}
    if sc.get("runAsNonRoot") is not True or (sc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        out.append("pod securityContext: runAsNonRoot true and seccompProfile RuntimeDefault (restricted)")
    volumes = {v.get("name"): v for v in spec.get("volumes", [])}
    for v in volumes.values():
        for kind, ref in (("ConfigMap", (v.get("configMap") or {}).get("name")),
                          ("Secret", (v.get("secret") or {}).get("secretName")),
                          ("PersistentVolumeClaim", (v.get("persistentVolumeClaim") or {}).get("claimName"))):
            if ref and ref not in by_kind.get(kind, {}):
                out.append(f"volume {v.get('name')}: {kind} {ref} is defined in no file here")
    for c in spec.get("containers", []):
        cn = c.get("name")
        csc = c.get("securityContext") or {}
        drops = (csc.get("capabilities") or {}).get("drop", [])
        if csc.get("allowPrivilegeEscalation") is not False or "ALL" not in drops:
            out.append(f"{cn}: allowPrivilegeEscalation false and capabilities drop ALL (restricted)")
        res = c.get("resources") or {}
        for part in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in (res.get(part) or {}):
                    out.append(f"{cn}: resources.{part}.{r} missing")
        mounts = {}
        for m in c.get("volumeMounts", []):
            if m.get("name") not in volumes:
                out.append(f"{cn}: volumeMount {m.get('name')} has no volume")
                continue
            mounts[m.get("mountPath")] = volumes[m["name"]]
            claim = (volumes[m["name"]].get("persistentVolumeClaim") or {}).get("claimName")
            want = {"closebell-models": config.get("models", "/models"), "closebell-logs": config.get("log.dir")}
            if claim in want and m.get("mountPath") != want[claim]:
                out.append(f"{cn}: {claim} is mounted at {m.get('mountPath')}, the settings say {want[claim]}")
        for ef in c.get("envFrom", []):
            ref = (ef.get("configMapRef") or {}).get("name")
            if ref and ref not in by_kind.get("ConfigMap", {}):
                out.append(f"{cn}: envFrom ConfigMap {ref} is defined in no file here")
        for e in c.get("env", []):
            n, val = e.get("name", ""), e.get("value")
            if n.startswith("CLOSEBELL_") and n not in known_env:
                out.append(f"{cn}: {n} is no setting the apps read (SettingKey.swift)")
            if (n.endswith("_FILE") or n == "CLOSEBELL_CONFIG") and val:
                out += [f"{cn}: {n}: {m}" for m in check_file(val, mounts, by_kind)]
            if n == "CLOSEBELL_RUN_WINDOW_CACHE" and val:
                out += [f"{cn}: {n}: {m}" for m in check_kept_folder(val, c.get("volumeMounts", []), volumes)]
    return out


def check_kept_folder(path, mounts, volumes):
    """A folder kept from one job to the next: on a writable PersistentVolumeClaim."""
    under = [m for m in mounts
             if path == m.get("mountPath") or path.startswith(m.get("mountPath", "").rstrip("/") + "/")]
    if not under:
        return [f"{path}: no volume is mounted there (the root file system is read-only)"]
    m = max(under, key=lambda m: len(m.get("mountPath", "")))
    if m.get("readOnly"):
        return [f"{path}: the volume at {m.get('mountPath')} is mounted read-only"]
    if "persistentVolumeClaim" not in volumes.get(m.get("name"), {}):
        return [f"{path}: the volume at {m.get('mountPath')} is no PersistentVolumeClaim: "
                "nothing is kept for the next run"]
    return []


def check_file(path, mounts, by_kind):
    """A path the app reads must be a key of the ConfigMap or Secret mounted over it."""
    folder, key = os.path.split(path)
    vol = mounts.get(folder)
    if vol is None:
        return [f"{path}: no volume is mounted at {folder}"]
    if "secret" in vol:
        obj, field = by_kind.get("Secret", {}).get(vol["secret"].get("secretName")), "stringData"
    else:
        obj, field = by_kind.get("ConfigMap", {}).get((vol.get("configMap") or {}).get("name")), "data"
    if obj is None or key not in (obj[1].get(field) or {}):
        return [f"{path}: the volume at {folder} holds no key {key}"]
    return []


def check_worker(spec, config):
    out = []
    c = (spec.get("containers") or [{}])[0]
    env = {e.get("name"): e.get("value") for e in c.get("env", [])}
    grace = float(env.get("CLOSEBELL_WORKER_GRACE_PERIOD_SECONDS") or config.get("worker.grace_period_seconds", 60))
    tgps = spec.get("terminationGracePeriodSeconds", 30)
    if tgps < grace + 5:
        out.append(f"terminationGracePeriodSeconds {tgps} must exceed the worker's grace period {grace:g} s "
                   "(SIGTERM finishes the chunk in hand) by a margin")
    port = env.get("CLOSEBELL_METRICS_PORT")
    if env.get("CLOSEBELL_METRICS_HOST") != "0.0.0.0":
        out.append("CLOSEBELL_METRICS_HOST must be 0.0.0.0: the kubelet probes the pod's address")
    ports = {p.get("name"): str(p.get("containerPort")) for p in c.get("ports", [])}
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = (c.get(probe) or {}).get("httpGet") or {}
        if get.get("path") != path:
            out.append(f"{probe} must GET {path}")
        if ports.get(get.get("port"), str(get.get("port"))) != port:
            out.append(f"{probe} port is not the metrics port {port}")
    return out


def check_scaledobject(d, by_kind, prefix):
    out = []
    s = d.get("spec", {})
    ref = s.get("scaleTargetRef", {})
    if ref.get("kind", "Deployment") != "Deployment" or ref.get("name") not in by_kind.get("Deployment", {}):
        out.append(f"scaleTargetRef: no Deployment {ref.get('name')} here")
    if s.get("minReplicaCount", 0) > s.get("maxReplicaCount", 100):
        out.append("minReplicaCount above maxReplicaCount")
    queues = set()
    for t in s.get("triggers", []):
        auth = (t.get("authenticationRef") or {}).get("name")
        if auth not in by_kind.get("TriggerAuthentication", {}):
            out.append(f"trigger {t.get('name')}: no TriggerAuthentication {auth} here")
        queues.add((t.get("metadata") or {}).get("queueName"))
    want = {f"{prefix}.chunks", f"{prefix}.chunks.high"}
    if queues != want:
        out.append(f"triggers watch queues {sorted(map(str, queues))}; the workers consume {sorted(want)}")
    return out
