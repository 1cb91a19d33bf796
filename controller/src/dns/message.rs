//! DNS wire format via hickory-proto: one non-recursive question out, its answer in.

use hickory_proto::{
    op::{Message, MessageType, OpCode, Query, ResponseCode},
    rr::{Name, RData, RecordType as WireType},
};

use crate::api::RecordType;

pub(crate) fn wire_type(kind: RecordType) -> WireType {
    match kind {
        RecordType::A => WireType::A,
        RecordType::AAAA => WireType::AAAA,
        RecordType::CNAME => WireType::CNAME,
    }
}

/// `api.example.com` or `api.example.com.` as a fully qualified name.
pub(crate) fn parse_name(name: &str) -> Result<Name, String> {
    if name.trim().trim_end_matches('.').is_empty() {
        return Err("empty name".into());
    }
    let mut n = Name::from_ascii(name.trim()).map_err(|e| e.to_string())?;
    n.set_fqdn(true);
    Ok(n)
}

/// A query as an authoritative server expects it: recursion desired off.
pub(crate) fn encode_query(id: u16, name: &Name, kind: RecordType) -> Result<Vec<u8>, String> {
    let mut msg = Message::new(id, MessageType::Query, OpCode::Query);
    msg.metadata.recursion_desired = false;
    msg.add_query(Query::query(name.clone(), wire_type(kind)));
    msg.to_vec().map_err(|e| e.to_string())
}

/// The mnemonic people know from dig: `NOERROR`, `NXDOMAIN`, `SERVFAIL`, ...
pub(crate) fn rcode_name(code: ResponseCode) -> String {
    match code {
        ResponseCode::NoError => "NOERROR".into(),
        ResponseCode::FormErr => "FORMERR".into(),
        ResponseCode::ServFail => "SERVFAIL".into(),
        ResponseCode::NXDomain => "NXDOMAIN".into(),
        ResponseCode::NotImp => "NOTIMP".into(),
        ResponseCode::Refused => "REFUSED".into(),
        ResponseCode::NotAuth => "NOTAUTH".into(),
        other => format!("RCODE{}", u16::from(other)),
    }
}

/// A decoded reply to our question.
#[derive(Debug)]
pub(crate) enum Reply {
    /// Too large for UDP: ask again over TCP.
    Truncated,
    Answer(Decoded),
}

/// The parts of a response the prober reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub response_code: ResponseCode,
    pub authoritative: bool,
    pub values: Vec<String>,
    pub ttl: Option<u32>,
    pub cnames: Vec<String>,
}

/// Decodes `bytes`; `Ok(None)` for a datagram that is not the reply to this question (stale or
/// spoofed), which the caller ignores and keeps waiting.
pub(crate) fn decode_reply(bytes: &[u8], id: u16, name: &Name, kind: RecordType) -> Result<Option<Reply>, String> {
    let msg = Message::from_vec(bytes).map_err(|e| format!("undecodable reply: {e}"))?;
    let question_matches =
        msg.queries.first().is_some_and(|q| q.query_type() == wire_type(kind) && q.name().eq_ignore_root_case(name));
    if msg.metadata.id != id || msg.metadata.message_type != MessageType::Response || !question_matches {
        return Ok(None);
    }
    if msg.metadata.truncation {
        return Ok(Some(Reply::Truncated));
    }
    Ok(Some(Reply::Answer(decoded(&msg, kind))))
}

fn decoded(msg: &Message, kind: RecordType) -> Decoded {
    let want = wire_type(kind);
    let mut values = Vec::new();
    let mut cnames = Vec::new();
    let mut ttl: Option<u32> = None;
    for record in &msg.answers {
        let value = match &record.data {
            RData::A(a) => a.0.to_string(),
            RData::AAAA(a) => a.0.to_string(),
            RData::CNAME(c) => crate::aws::normalize_name(&c.0.to_ascii()),
            _ => continue,
        };
        if record.record_type() == want {
            ttl = Some(ttl.map_or(record.ttl, |t| t.min(record.ttl)));
            values.push(value);
        } else if record.record_type() == WireType::CNAME {
            cnames.push(value);
        }
    }
    Decoded {
        response_code: msg.metadata.response_code,
        authoritative: msg.metadata.authoritative,
        values,
        ttl,
        cnames,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::{
        Record,
        rdata::{A, CNAME},
    };
    use std::net::Ipv4Addr;

    fn response_to(query: &[u8]) -> Message {
        let q = Message::from_vec(query).expect("our query decodes");
        let mut r = Message::response(q.metadata.id, OpCode::Query);
        r.metadata.authoritative = true;
        r.add_queries(q.queries.clone());
        r
    }

    #[test]
    fn query_has_one_question_and_no_recursion() {
        let name = parse_name("API.example.com").expect("valid");
        let bytes = encode_query(4242, &name, RecordType::CNAME).expect("encodes");
        let q = Message::from_vec(&bytes).expect("decodes");
        assert_eq!(q.metadata.id, 4242);
        assert!(!q.metadata.recursion_desired);
        assert_eq!(q.metadata.message_type, MessageType::Query);
        assert_eq!(q.queries.len(), 1);
        assert_eq!(q.queries[0].query_type(), WireType::CNAME);
        assert_eq!(q.queries[0].name().to_ascii(), "API.example.com.");
    }

    #[test]
    fn cname_answer_is_the_target_without_dot_with_ttl() {
        let name = parse_name("api.example.com.").expect("valid");
        let mut r = response_to(&encode_query(7, &name, RecordType::CNAME).expect("encodes"));
        let target = Name::from_ascii("Standby.Example.com.").expect("valid");
        r.add_answer(Record::from_rdata(name.clone(), 60, RData::CNAME(CNAME(target))));
        let reply = decode_reply(&r.to_vec().expect("encodes"), 7, &name, RecordType::CNAME).expect("decodes");
        let Some(Reply::Answer(d)) = reply else { panic!("expected an answer, got {reply:?}") };
        assert_eq!(d.values, vec!["standby.example.com"]);
        assert_eq!((d.ttl, d.authoritative, d.response_code), (Some(60), true, ResponseCode::NoError));
    }

    #[test]
    fn a_answer_takes_the_lowest_ttl_and_reports_cnames_apart() {
        let name = parse_name("api.example.com").expect("valid");
        let mut r = response_to(&encode_query(9, &name, RecordType::A).expect("encodes"));
        let alias = Name::from_ascii("lb.example.com.").expect("valid");
        r.add_answer(Record::from_rdata(name.clone(), 300, RData::CNAME(CNAME(alias.clone()))));
        r.add_answer(Record::from_rdata(alias.clone(), 60, RData::A(A(Ipv4Addr::new(192, 0, 2, 1)))));
        r.add_answer(Record::from_rdata(alias, 30, RData::A(A(Ipv4Addr::new(192, 0, 2, 2)))));
        let Some(Reply::Answer(d)) =
            decode_reply(&r.to_vec().expect("encodes"), 9, &name, RecordType::A).expect("decodes")
        else {
            panic!("expected an answer")
        };
        assert_eq!(d.values, vec!["192.0.2.1", "192.0.2.2"]);
        assert_eq!(d.ttl, Some(30));
        assert_eq!(d.cnames, vec!["lb.example.com"]);
    }

    #[test]
    fn nxdomain_truncation_and_foreign_replies() {
        let name = parse_name("api.example.com").expect("valid");
        let query = encode_query(11, &name, RecordType::A).expect("encodes");
        let mut r = response_to(&query);
        r.metadata.response_code = ResponseCode::NXDomain;
        let bytes = r.to_vec().expect("encodes");
        let Some(Reply::Answer(d)) = decode_reply(&bytes, 11, &name, RecordType::A).expect("decodes") else {
            panic!("expected an answer")
        };
        assert_eq!((d.response_code, d.values.len(), d.ttl), (ResponseCode::NXDomain, 0, None));
        assert!(decode_reply(&bytes, 12, &name, RecordType::A).expect("decodes").is_none(), "other id");
        let other = parse_name("www.example.com").expect("valid");
        assert!(decode_reply(&bytes, 11, &other, RecordType::A).expect("decodes").is_none(), "other question");
        assert!(decode_reply(&query, 11, &name, RecordType::A).expect("decodes").is_none(), "a query is no reply");
        r.metadata.truncation = true;
        let truncated = decode_reply(&r.to_vec().expect("encodes"), 11, &name, RecordType::A).expect("decodes");
        assert!(matches!(truncated, Some(Reply::Truncated)));
        assert!(decode_reply(&[1, 2, 3], 11, &name, RecordType::A).is_err());
    }

    #[test]
    fn response_codes_read_like_dig() {
        assert_eq!(rcode_name(ResponseCode::NXDomain), "NXDOMAIN");
        assert_eq!(rcode_name(ResponseCode::Refused), "REFUSED");
        assert_eq!(rcode_name(ResponseCode::from(0, 9)), "NOTAUTH");
    }

    #[test]
    fn names_must_be_valid() {
        assert!(parse_name("").is_err());
        assert!(parse_name(".").is_err());
        assert!(parse_name(&format!("{}.com", "a".repeat(64))).is_err(), "label over 63 octets");
    }
}
