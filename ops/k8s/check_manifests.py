"""Checks every manifest in ops/k8s (run it through ops/k8s/validate, which makes the venv).

1. Each file parses as YAML, duplicate keys refused (PyYAML would keep the last silently).
2. Kubernetes kinds against the JSON schemas bundled by PyPI's kubernetes-validate, strict
   (an unknown field is an error), for each version in CLOSEBELL_K8S_VERSIONS (default: 1.30 and
   the newest bundled). KEDA's ScaledObject and TriggerAuthentication, the Kustomization and the
   RabbitMQ operator's RabbitmqCluster are not in those schemas: schemas/*.json describe the
   fields these manifests use (written from the projects' docs, not their CRDs).
3. Closebell's own rules (k8s_rules.py): references resolve, settings exist, secrets are
   placeholders and files, the grace periods agree, the autoscaler watches the real queues.
Prints a line per object and exits 1 on any error.
"""
import json
import os
import re
import sys
from importlib import resources

import jsonschema
import kubernetes_validate.utils as kv
import yaml
from packaging.version import Version
from referencing import Registry, Resource

from k8s_rules import UniqueKeyLoader, cross_checks

HERE = os.path.dirname(os.path.abspath(__file__))
OWN_SCHEMAS = {
    ("keda.sh/v1alpha1", "ScaledObject"): "keda-scaledobject.json",
    ("keda.sh/v1alpha1", "TriggerAuthentication"): "keda-triggerauthentication.json",
    ("kustomize.config.k8s.io/v1beta1", "Kustomization"): "kustomization.json",
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): "rabbitmqcluster.json",
}


class Schemas:
    """Validators, built once per (version, kind): the self-test checks the tree many times."""

    def __init__(self, versions):
        known = kv.all_versions()  # bundled schema versions, oldest first
        self.versions = []
        for v in versions:
            fit = [k for k in known if v == "latest" or Version(kv.major_minor(k)) <= Version(v)]
            if not fit:
                raise SystemExit(f"kubernetes-validate bundles no schemas for Kubernetes {v} (it has {known[0]} on)")
            self.versions.append(fit[-1])
        self.cache = {}

    def _json(self, version, name):
        path = resources.files("kubernetes_validate") / f"kubernetes-json-schema/v{version}-local-strict/{name}"
        return json.loads(path.read_text())

    def _registry(self, version):
        if ("registry", version) not in self.cache:
            defs = Resource.from_contents(self._json(version, "_definitions.json"))
            reg = Registry().with_resources([("https://kubernetes.io/api/_definitions.json", defs),
                                            ("k8s:defs", defs)])
            self.cache[("registry", version)] = reg
        return self.cache[("registry", version)]

    def validator(self, doc, version):
        api, kind = doc.get("apiVersion", ""), doc.get("kind", "")
        key = (version, api, kind)
        if key not in self.cache:
            if (api, kind) in OWN_SCHEMAS:
                with open(os.path.join(HERE, "schemas", OWN_SCHEMAS[(api, kind)])) as f:
                    schema = json.load(f)
            else:
                group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api)
                try:
                    schema = self._json(version, f"{kind.lower()}-{group}.json")
                except FileNotFoundError:
                    raise LookupError(f"no schema for {kind} {api} in Kubernetes {version}")
            self.cache[key] = jsonschema.Draft202012Validator(schema, registry=self._registry(version))
        return self.cache[key]

    def errors(self, doc):
        versions = self.versions[-1:] if (doc.get("apiVersion"), doc.get("kind")) in OWN_SCHEMAS else self.versions
        out = []
        for v in versions:
            try:
                for e in sorted(self.validator(doc, v).iter_errors(doc), key=lambda e: list(e.absolute_path)):
                    where = ".".join(str(p) for p in e.absolute_path) or "(top)"
                    source = OWN_SCHEMAS.get((doc.get("apiVersion"), doc.get("kind")))
                    source = f"schemas/{source}" if source else f"Kubernetes {kv.major_minor(v)}"
                    out.append(f"{where}: {e.message[:300]} ({source})")
            except LookupError as e:
                out.append(str(e))
        return sorted(set(out))


def load(path):
    with open(path) as f:
        return [d for d in yaml.load_all(f, Loader=UniqueKeyLoader) if d is not None]


def check(directory, schemas, out=sys.stdout):
    """Checks every *.yaml in directory; prints a line per object; returns the error count."""
    errors, objs, labels, kustomization = [], [], [], None
    for f in sorted(os.listdir(directory)):
        if not f.endswith((".yaml", ".yml")):
            continue
        try:
            docs = load(os.path.join(directory, f))
        except yaml.YAMLError as e:
            errors.append((f, "(file)", f"YAML: {e}".replace("\n", " ")))
            continue
        for d in docs:
            if not isinstance(d, dict):
                errors.append((f, "(file)", "a document that is not a mapping"))
                continue
            label = f"{d.get('kind')}/{(d.get('metadata') or {}).get('name', '')}".rstrip("/")
            labels.append((f, label))
            errors += [(f, label, p) for p in schemas.errors(d)]
            if d.get("kind") == "Kustomization":
                kustomization = d
            else:
                objs.append((f, d))
    if kustomization is None:
        errors.append(("kustomization.yaml", "Kustomization", "missing"))
    try:
        errors += cross_checks(objs, kustomization, directory)
    except (AttributeError, KeyError, TypeError, ValueError) as e:  # shapes the schemas refused already
        errors.append(("(all)", "cross-checks", f"could not run on these manifests: {e!r}"))
    failed = {(f, what) for f, what, _ in errors}
    for f, label in labels:
        print(f"{'FAIL' if (f, label) in failed else 'ok  '} {f}: {label}", file=out)
    for f, what, msg in errors:
        print(f"error: {f}: {what}: {msg}", file=out)
    versions = ", ".join(kv.major_minor(v) for v in schemas.versions)
    print(f"validate: {len(labels)} objects in {len({f for f, _ in labels})} files, {directory} "
          f"(Kubernetes {versions}): {len(errors)} errors", file=out)
    return len(errors)


def main(argv):
    versions = os.environ.get("CLOSEBELL_K8S_VERSIONS", "1.30 latest").split()
    schemas = Schemas(versions)
    if argv[:1] == ["--self-test"]:
        from self_test import run
        return run(schemas, check, HERE)
    directory = argv[0] if argv else HERE
    return 1 if check(directory, schemas) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
