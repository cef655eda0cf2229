//! Zeek's dhcp.log names hosts whose own logs carry no address (Linux
//! servers: auditd says `node=`, never its IP): the flow records of a
//! leased address are keyed by the host that holds the lease.

mod support;

use outflow_analytics::{registry, AnalyticsEngine};
use support::{ctx, read_via_file};

const DHCP: &str = "#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\tdhcp
#open\t2026-11-20-08-00-00
#fields\tts\tuids\tclient_addr\tserver_addr\tmac\thost_name\tclient_fqdn\tdomain\trequested_addr\tassigned_addr\tlease_time\tclient_message\tserver_message\tmsg_types\tduration
#types\ttime\tset[string]\taddr\taddr\tstring\tstring\tstring\tstring\taddr\taddr\tinterval\tstring\tstring\tvector[string]\tinterval
1795680000.100000\tCa1\t-\t10.20.0.1\t52:54:00:12:34:56\tsrv-app-01\t-\tcorp.example\t10.20.1.13\t10.20.1.13\t86400.000000\t-\t-\tREQUEST,ACK\t0.004
1795680001.200000\tCa2\t-\t10.20.0.1\t52:54:00:ab:cd:ef\tlaptop-7\tlaptop-7.corp.example.\tcorp.example\t-\t10.20.1.77\t86400.000000\t-\t-\tDISCOVER,OFFER,REQUEST,ACK\t0.010
1795680002.300000\tCa3\t-\t10.20.0.1\t52:54:00:00:00:01\t-\t-\tcorp.example\t-\t10.20.1.99\t86400.000000\t-\t-\tREQUEST,ACK\t0.003
";

const CONN: &str = "#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\tconn
#open\t2026-11-20-08-00-00
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents
1795680100.000000\tC1\t10.20.1.13\t40122\t198.51.100.20\t443\ttcp\tssl\t12.5\t48211\t5120\tSF\tT\tF\t0\tShADadFf\t60\t51331\t40\t7200\t-
1795680101.000000\tC2\t10.20.1.77\t40123\t198.51.100.20\t443\ttcp\tssl\t1.5\t4821\t512\tSF\tT\tF\t0\tShADadFf\t10\t5331\t8\t900\t-
1795680102.000000\tC3\t10.20.1.99\t40124\t198.51.100.20\t443\ttcp\tssl\t1.5\t4821\t512\tSF\tT\tF\t0\tShADadFf\t10\t5331\t8\t900\t-
";

#[test]
fn leased_addresses_name_their_hosts_in_flow_records() {
    let c = ctx(None, None);
    let mut engine = AnalyticsEngine::new(c.clone(), registry::builtin(&c).unwrap());
    for ev in read_via_file("dhcp.log", DHCP) {
        let _ = engine.view(&ev);
    }
    let hosts: Vec<String> = read_via_file("conn.log", CONN)
        .iter()
        .map(|ev| {
            let v = engine.view(ev);
            v.host_key().map(|h| h.to_string()).unwrap_or_default()
        })
        .collect();
    // Keyed as host events key them (short, lower-case name); an
    // anonymous lease leaves the address.
    assert_eq!(hosts, ["srv-app-01", "laptop-7", "10.20.1.99"]);
    // Saved with the baseline like the addresses host events teach.
    let addresses = engine
        .snapshot_parts()
        .into_iter()
        .find(|(n, _)| n == outflow_analytics::engine::HOST_ADDRESSES)
        .unwrap()
        .1;
    // The name with the lease's domain; the client's own FQDN, its
    // trailing dot dropped.
    let text = addresses.to_string();
    assert!(text.contains("\"srv-app-01.corp.example\""), "{text}");
    assert!(text.contains("\"laptop-7.corp.example\""), "{text}");
    assert!(!text.contains("10.20.1.99"), "{text}");
}
