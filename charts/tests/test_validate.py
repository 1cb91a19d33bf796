"""Strict schema validation of the rendered objects and the CRD (kubernetes-validate)."""

from __future__ import annotations

import kubernetes_validate
import pytest

from conftest import chart_render

OLDEST = "1.25.0"  # the oldest schema set kubernetes-validate bundles
NEWEST = kubernetes_validate.utils.latest_version()
# Custom resources have no bundled schema: test_render checks their shape, promtool the rules.
NOT_BUILTIN = {"ServiceMonitor", "PrometheusRule"}


def test_newest_bundled_schema_is_recent():
    assert tuple(int(p) for p in NEWEST.split(".")[:2]) >= (1, 37)


@pytest.mark.parametrize("version", [OLDEST, NEWEST])
@pytest.mark.parametrize("which", ["default", "all-options"])
def test_rendered_objects_pass_strict_validation(renders, which, version):
    unvalidated = set()
    for doc in renders[which]:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.utils.SchemaNotFoundError:
            unvalidated.add(doc["kind"])
        except kubernetes_validate.ValidationError as err:
            path = ".".join(str(p) for p in err.path)
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']} at {path}: {err.message}")
    expected = NOT_BUILTIN if which == "all-options" else set()
    assert unvalidated == expected


@pytest.mark.parametrize("version", [OLDEST, NEWEST])
def test_crd_passes_strict_validation(version):
    for text in chart_render.crd_files().values():
        for doc in chart_render.yaml.safe_load_all(text):
            if doc:
                kubernetes_validate.validate(doc, version, strict=True)


def test_validation_catches_a_wrong_field():
    # Guards the guard: strict mode must reject an unknown field.
    deploy = next(d for d in chart_render.render({}) if d["kind"] == "Deployment")
    deploy["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFs"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deploy, NEWEST, strict=True)
