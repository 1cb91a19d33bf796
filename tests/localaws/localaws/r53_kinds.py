"""Route 53 health checks that probe nothing: CLOUDWATCH_METRIC checks follow a CloudWatch alarm's data
stream; CALCULATED checks count healthy children (evaluated in health.py). Here: the API side moto lacks.

- CreateHealthCheck/UpdateHealthCheck keep AlarmIdentifier and InsufficientDataHealthStatus (moto dropped
  them). The alarm must exist and use what Route 53 supports (a standard statistic, a period of at least
  60 s: standard resolution), else InvalidInput. InsufficientDataHealthStatus defaults to LastKnownStatus.
- GetHealthCheck returns CloudWatchAlarmConfiguration (the alarm's current settings) for alarm checks,
  and a HealthCheckConfig without the endpoint fields.
- GetHealthCheckStatus: AWS documents that it cannot be used for calculated checks (InvalidInput here);
  for alarm checks no checker probes an endpoint, so the list of observations is empty (AWS does not
  document this case).
- Health: the alarm's data stream OK -> healthy, ALARM -> unhealthy, INSUFFICIENT_DATA (or no such alarm)
  -> InsufficientDataHealthStatus: Healthy, Unhealthy, or LastKnownStatus (healthy for a new check).
"""

import threading

from moto.route53 import models as r53_models
from moto.route53 import responses as r53_responses
from moto.route53.exceptions import InvalidInput

from . import hc_history
from .alarms import ALARMS

INSUFFICIENT = ("Healthy", "Unhealthy", "LastKnownStatus")
STANDARD_STATISTICS = ("Average", "Minimum", "Maximum", "Sum", "SampleCount")
_pending = threading.local()  # alarm fields of the CreateHealthCheck being handled on this thread
LAST_KNOWN: dict[tuple, bool] = {}


def reset():
    LAST_KNOWN.clear()


def alarm_key(hc):
    ident = getattr(hc, "alarm_identifier", None)
    return (ident.get("Region"), ident.get("Name")) if ident else None


def validate(account: str, kind: str, ident, insufficient):
    if insufficient is not None and insufficient not in INSUFFICIENT:
        raise InvalidInput(f"Invalid InsufficientDataHealthStatus: {insufficient}; "
                           f"valid values: {', '.join(INSUFFICIENT)}")
    if kind != "CLOUDWATCH_METRIC":
        return
    if not ident or not ident.get("Region") or not ident.get("Name"):
        raise InvalidInput("A CLOUDWATCH_METRIC health check needs AlarmIdentifier with Region and Name.")
    alarm = ALARMS.find(account, ident["Region"], ident["Name"])
    if alarm is None:
        raise InvalidInput(f"The CloudWatch alarm {ident['Name']} does not exist in {ident['Region']}.")
    if alarm.statistic not in STANDARD_STATISTICS or int(alarm.period or 0) < 60:
        raise InvalidInput("Route 53 supports CloudWatch alarms on standard-resolution metrics (a period of at "
                           "least 60 seconds) with Average, Minimum, Maximum, Sum or SampleCount.")


def apply_alarm_fields(account: str, hc, params: dict):
    """UpdateHealthCheck's AlarmIdentifier / InsufficientDataHealthStatus (called by apply_update)."""
    ident = params.get("AlarmIdentifier")
    insufficient = params.get("InsufficientDataHealthStatus")
    if ident is None and insufficient is None:
        return
    validate(account, hc.type_, ident or hc.alarm_identifier, insufficient)
    if ident is not None:
        hc.alarm_identifier = {"Region": ident["Region"], "Name": ident["Name"]}
    if insufficient is not None:
        hc.insufficient_data_health_status = insufficient


def alarm_health(rt) -> bool:
    key = (rt.account, rt.hc_id)
    alarm = rt.config.get("alarm")
    state = ALARMS.stream_state(rt.account, *alarm) if alarm else None
    if state in ("OK", "ALARM"):
        LAST_KNOWN[key] = state == "OK"
        return LAST_KNOWN[key]
    setting = rt.config.get("insufficient") or "LastKnownStatus"
    if setting == "Healthy":
        return True
    if setting == "Unhealthy":
        return False
    return LAST_KNOWN.get(key, True)


# ---- moto patches -------------------------------------------------------------------------------
def _health_check_config(self) -> dict:
    if self.type_ != "CLOUDWATCH_METRIC":
        return _original_config.fget(self)
    config = {"Type": self.type_, "Inverted": self.inverted, "Disabled": self.disabled,
              "AlarmIdentifier": getattr(self, "alarm_identifier", None),
              "InsufficientDataHealthStatus": getattr(self, "insufficient_data_health_status", None)}
    return {k: v for k, v in config.items() if v is not None}


def _alarm_configuration(self):
    if self.type_ != "CLOUDWATCH_METRIC" or not getattr(self, "alarm_identifier", None):
        return None
    alarm = ALARMS.find(getattr(self, "account_id", None) or _account_of(self), self.alarm_identifier["Region"],
                        self.alarm_identifier["Name"])
    if alarm is None:
        return None
    return {"EvaluationPeriods": int(alarm.evaluation_periods), "Threshold": float(alarm.threshold),
            "ComparisonOperator": alarm.comparison_operator, "Period": int(alarm.period),
            "MetricName": alarm.metric_name, "Namespace": alarm.namespace, "Statistic": alarm.statistic,
            "Dimensions": [{"Name": d.name, "Value": d.value} for d in alarm.dimensions]}


def _account_of(hc) -> str:
    for account, per_account in list(dict.items(r53_models.route53_backends)):
        backend = dict.get(per_account, "aws")
        if backend is not None and backend.health_checks.get(hc.id) is hc:
            return account
    return ""


def _create_health_check(original):
    def create_health_check(self):
        config = self._get_param("HealthCheckConfig") or {}
        ident, insufficient = config.get("AlarmIdentifier"), config.get("InsufficientDataHealthStatus")
        validate(self.current_account, config.get("Type"), ident, insufficient)
        if config.get("Type") == "CLOUDWATCH_METRIC":
            _pending.fields = {"alarm_identifier": {"Region": ident["Region"], "Name": ident["Name"]},
                               "insufficient_data_health_status": insufficient or "LastKnownStatus"}
        try:
            with hc_history.caller(**hc_history.api_caller(self.headers, "CreateHealthCheck")):
                result = original(self)
                hc_history.record_create(self.current_account, result.result["HealthCheck"])
        finally:
            _pending.fields = None
        return result
    return create_health_check


def _backend_create(original):
    def create(self, caller_reference, health_check_args):
        hc = original(self, caller_reference, health_check_args)
        for attr, value in (getattr(_pending, "fields", None) or {}).items():
            setattr(hc, attr, value)  # before the engine first sees the check
        return hc
    return create


def _delete_health_check(original):
    def delete_health_check(self):
        hc = self.backend.health_checks.get(self._get_param("HealthCheckId"))
        result = original(self)
        if hc is not None:
            with hc_history.caller(**hc_history.api_caller(self.headers, "DeleteHealthCheck")):
                hc_history.record_delete(self.current_account, hc)
        return result
    return delete_health_check


def _get_health_check_status(original):
    def get_health_check_status(self):
        hc = self.backend.get_health_check(self._get_param("HealthCheckId"))
        if hc.type_ == "CALCULATED":
            raise InvalidInput("You can't use GetHealthCheckStatus to get the status of a calculated health check; "
                               "use the Route 53 console or CloudWatch (HealthCheckStatus).")
        return original(self)
    return get_health_check_status


_original_config = r53_models.HealthCheck.health_check_config


def install():
    r53_models.HealthCheck.alarm_identifier = None
    r53_models.HealthCheck.insufficient_data_health_status = None
    r53_models.HealthCheck.health_check_config = property(_health_check_config)
    r53_models.HealthCheck.cloud_watch_alarm_configuration = property(_alarm_configuration)
    r53_models.Route53Backend.create_health_check = _backend_create(r53_models.Route53Backend.create_health_check)
    resp = r53_responses.Route53
    resp.create_health_check = _create_health_check(resp.create_health_check)
    resp.delete_health_check = _delete_health_check(resp.delete_health_check)
    resp.get_health_check_status = _get_health_check_status(resp.get_health_check_status)
