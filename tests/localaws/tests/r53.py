"""Route 53 fixtures built through the real SDK: a zone, a health check, PRIMARY/SECONDARY records."""

import uuid

PRIMARY, SECONDARY = "primary.example.net", "standby.example.net"


def health_check(r53, port: int, kind: str = "HTTP", interval: int = 10, threshold: int = 3, **extra) -> str:
    config = {"Type": kind, "IPAddress": "127.0.0.1", "Port": port, "RequestInterval": interval,
              "FailureThreshold": threshold}
    if kind != "TCP":
        config["ResourcePath"] = "/health"
    config.update(extra)
    return r53.create_health_check(CallerReference=str(uuid.uuid4()), HealthCheckConfig=config)["HealthCheck"]["Id"]


def zone(r53, name: str = "example.com") -> str:
    return r53.create_hosted_zone(Name=name, CallerReference=str(uuid.uuid4()))["HostedZone"]["Id"].split("/")[-1]


def failover_records(r53, zone_id: str, name: str, primary_hc: str | None, secondary_hc: str | None = None,
                     rtype: str = "CNAME", values=(PRIMARY, SECONDARY), ttl: int = 60):
    changes = []
    for role, value, hc in (("PRIMARY", values[0], primary_hc), ("SECONDARY", values[1], secondary_hc)):
        rrset = {"Name": name, "Type": rtype, "TTL": ttl, "SetIdentifier": role.lower(), "Failover": role,
                 "ResourceRecords": [{"Value": value}]}
        if hc:
            rrset["HealthCheckId"] = hc
        changes.append({"Action": "CREATE", "ResourceRecordSet": rrset})
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
