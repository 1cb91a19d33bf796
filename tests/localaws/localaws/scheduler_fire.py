"""EventBridge Scheduler one-time at() schedules that really fire.

At the schedule's wall-clock time (never scaled) its universal target is invoked against the
in-process backends; ActionAfterCompletion DELETE then removes the schedule, as AWS does.
Supported target: arn:aws:scheduler:::aws-sdk:route53:updateHealthCheck.
"""

import datetime
import json
import re
import threading
import zoneinfo

from . import hc_history
from .iam import IAM
from .regions import REGIONS
from .state import LOCK, STOP, iso, log, now

AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
UNIVERSAL = "arn:aws:scheduler:::aws-sdk:"
MAX_EVENT_AGE = 86400  # Target.RetryPolicy.MaximumEventAgeInSeconds default


def due_time(expression: str, timezone: str | None) -> float | None:
    m = AT.match(expression.strip())
    if not m:
        return None
    local = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
    try:
        tz = zoneinfo.ZoneInfo(timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = datetime.timezone.utc
    return local.replace(tzinfo=tz).timestamp()


def _update_health_check(account: str, payload: dict) -> dict:
    from moto.route53.models import route53_backends

    from .route53_fidelity import apply_update

    hc_id = payload.get("HealthCheckId")
    if not hc_id:
        raise ValueError("Input has no HealthCheckId")
    hc = apply_update(route53_backends[account]["aws"], hc_id, payload)
    return {"HealthCheckId": hc.id, "HealthCheckVersion": hc.health_check_version,
            "Inverted": bool(hc.inverted), "Disabled": bool(hc.disabled)}


TARGETS = {("route53", "updatehealthcheck"): _update_health_check}


class SchedulerFirer:
    def __init__(self):
        self.fired: list[dict] = []
        self._done: set = set()

    def reset(self):
        with LOCK:
            self.fired.clear()
            self._done.clear()

    def start(self):
        threading.Thread(target=self._loop, name="scheduler", daemon=True).start()

    def _loop(self):
        while not STOP.wait(0.1):
            try:
                self.tick()
            except Exception as e:
                log(f"scheduler error: {e!r}")

    def tick(self):
        from moto.scheduler.models import scheduler_backends

        with LOCK:
            for account, per_account in list(dict.items(scheduler_backends)):
                for region, backend in list(dict.items(per_account)):
                    for group in list(backend.schedule_groups.values()):
                        for schedule in list(group.schedules.values()):
                            self._consider(account, region, backend, group, schedule)

    def _consider(self, account, region, backend, group, schedule):
        if schedule.state != "ENABLED":
            return
        at = due_time(schedule.schedule_expression, schedule.schedule_expression_timezone)
        key = (schedule.arn, schedule.schedule_expression, schedule.last_modified_date)
        if at is None or key in self._done or now() < at:
            return
        target = schedule.target or {}
        if REGIONS.blocks_schedule(region, target.get("Arn")):
            return  # region (or Route 53's control plane) lost: fires late, once reachable, as retries would
        self._done.add(key)
        record = {"arn": schedule.arn, "name": schedule.name, "group": group.name, "region": region,
                  "account": account, "scheduledFor": iso(at), "firedAt": iso(now()), "firedAtEpoch": now(),
                  "targetArn": target.get("Arn"), "input": target.get("Input"), "result": None, "error": None,
                  "deleted": False}
        if now() - at > MAX_EVENT_AGE:
            record["error"] = "event older than MaximumEventAgeInSeconds; dropped"
        else:
            try:
                # --iam enforce: the target runs as Target.RoleArn; a role that may not do it raises AccessDenied.
                IAM.authorize_scheduled_target(account, region, group.name, schedule.name, target)
                with hc_history.caller(source="scheduler", schedule={"name": schedule.name, "group": group.name,
                                                                     "arn": schedule.arn, "region": region}):
                    record["result"] = self._invoke(account, target)
            except Exception as e:  # recorded for tests; AWS would retry then drop or dead-letter
                record["error"] = f"{type(e).__name__}: {getattr(e, 'message', None) or e}"
        if (schedule.action_after_completion or "NONE") == "DELETE":
            group.delete_schedule(schedule.name)
            record["deleted"] = True
        self.fired.append(record)
        log(f"schedule {schedule.name} fired: {record['error'] or record['result']}")

    @staticmethod
    def _invoke(account: str, target: dict) -> dict:
        arn = target.get("Arn", "")
        if not arn.startswith(UNIVERSAL):
            raise ValueError(f"unsupported target {arn}: only aws-sdk universal targets fire here")
        service, _, action = arn[len(UNIVERSAL):].partition(":")
        handler = TARGETS.get((service.lower(), action.lower()))
        if handler is None:
            raise ValueError(f"unsupported universal target {service}:{action}")
        payload = json.loads(target.get("Input") or "{}")
        return handler(account, payload)


FIRER = SchedulerFirer()
