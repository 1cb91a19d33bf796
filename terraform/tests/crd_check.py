"""Checks a RegionalFailover manifest against the CRD's openAPIV3Schema.

The API server prunes fields a structural schema does not know, so a misspelt field in the Terraform output would
vanish silently; this check makes it an error. It covers what the manifest can get wrong: apiVersion/kind, unknown
fields, required fields, types, enums and numeric bounds. (CEL rules are the controller tests' business.)

Usage: python crd_check.py CRD_YAML MANIFEST_YAML
"""

import sys

import yaml

TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "integer": int,
    "number": (int, float),
}


def check(value, schema, path, errors):
    kind = schema.get("type")
    if kind:
        expected = TYPES[kind]
        # bool is an int in Python; an integer field must not accept true/false.
        if (kind in ("integer", "number") and isinstance(value, bool)) or not isinstance(value, expected):
            errors.append(f"{path}: expected {kind}, got {type(value).__name__} {value!r}")
            return
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{path}: {value} is below the minimum {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        errors.append(f"{path}: {value} is above the maximum {schema['maximum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{path}.{name}: required by the CRD, missing")
        preserve = schema.get("x-kubernetes-preserve-unknown-fields", False)
        for name, item in value.items():
            if name in props:
                check(item, props[name], f"{path}.{name}", errors)
            elif "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
                check(item, schema["additionalProperties"], f"{path}.{name}", errors)
            elif not preserve:
                errors.append(f"{path}.{name}: not in the CRD schema (the API server would drop it)")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            check(item, schema["items"], f"{path}[{index}]", errors)


def main(crd_path, manifest_path):
    with open(crd_path) as f:
        crd = yaml.safe_load(f)
    with open(manifest_path) as f:
        manifest = yaml.safe_load(f)

    errors = []
    group = crd["spec"]["group"]
    versions = {v["name"]: v for v in crd["spec"]["versions"]}
    api_group, _, version = manifest.get("apiVersion", "").partition("/")
    if api_group != group or version not in versions:
        errors.append(f"apiVersion {manifest.get('apiVersion')!r} is not served by the CRD "
                      f"({group}, {sorted(versions)})")
    if manifest.get("kind") != crd["spec"]["names"]["kind"]:
        errors.append(f"kind {manifest.get('kind')!r} is not {crd['spec']['names']['kind']!r}")
    if not errors:
        schema = versions[version]["schema"]["openAPIV3Schema"]
        check(manifest.get("spec"), schema["properties"]["spec"], "spec", errors)
        for field in ("name", "namespace"):
            if not manifest.get("metadata", {}).get(field):
                errors.append(f"metadata.{field}: missing")

    for error in errors:
        print(f"crd_check: {error}", file=sys.stderr)
    if errors:
        return 1
    print(f"crd_check: {manifest_path} matches {crd_path} "
          f"({manifest['metadata']['namespace']}/{manifest['metadata']['name']})")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
