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
    let Some(Reply::Answer(d)) = decode_reply(&r.to_vec().expect("encodes"), 9, &name, RecordType::A).expect("decodes")
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
