"""EventBridge Scheduler's CreateSchedule as a lock, the way AWS behaves:

- a name that exists in the group is ConflictException with HTTP 409 (moto answered 400);
- unless the request is an idempotent retry: the same ClientToken (botocore fills a fresh one into every
  call that does not give one) and the same parameters succeed again and return the same ARN; the same
  token with other parameters stays a conflict (one holder's retry never takes over another's schedule);
- a group that does not exist is ResourceNotFoundException (moto raised a KeyError: HTTP 500).
"""

import hashlib
import json

from moto.scheduler import exceptions as sched_exceptions
from moto.scheduler.responses import EventBridgeSchedulerResponse


def _fingerprint(body: dict) -> str:
    relevant = {k: v for k, v in body.items() if k != "ClientToken"}
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()


def _create_schedule(original):
    def create_schedule(self):
        try:
            body = json.loads(self.body or "{}")
        except ValueError:
            body = {}
        name = self.uri.split("?")[0].split("/")[-1]
        group_name = body.get("GroupName") or "default"
        group = self.scheduler_backend.schedule_groups.get(group_name)
        if group is None:
            raise sched_exceptions.ScheduleGroupNotFound(group_name)
        token, fingerprint = body.get("ClientToken"), _fingerprint(body)
        existing = group.schedules.get(name)
        if (existing is not None and token and getattr(existing, "client_token", None) == token
                and getattr(existing, "request_fingerprint", None) == fingerprint):
            return json.dumps({"ScheduleArn": existing.arn})
        result = original(self)
        created = group.schedules[name]
        created.client_token, created.request_fingerprint = token, fingerprint
        return result
    return create_schedule


def install():
    sched_exceptions.ScheduleExists.code = 409
    EventBridgeSchedulerResponse.create_schedule = _create_schedule(EventBridgeSchedulerResponse.create_schedule)
