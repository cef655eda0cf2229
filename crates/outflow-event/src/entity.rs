use crate::Value;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Entity fields every later stage uses, whatever the source.
/// String-valued slots hold values that point into the event buffer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub host: Option<Value>,
    pub user: Option<Value>,
    pub image: Option<Value>,
    pub pid: Option<u64>,
    pub process_guid: Option<Value>,
    pub original_file_name: Option<Value>,
    pub src_ip: Option<IpAddr>,
    pub src_port: Option<u16>,
    pub dst_ip: Option<IpAddr>,
    pub dst_port: Option<u16>,
    pub dst_domain: Option<Value>,
    pub bytes_out: Option<u64>,
    pub bytes_in: Option<u64>,
}

macro_rules! entity_slots {
    ($($variant:ident => $name:literal;)*) => {
        /// Names of the entity slots, as used in mapping files and output.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum EntitySlot { $($variant,)* }

        impl EntitySlot {
            pub const ALL: &'static [EntitySlot] = &[$(EntitySlot::$variant,)*];
            pub fn as_str(&self) -> &'static str {
                match self { $(EntitySlot::$variant => $name,)* }
            }
            pub fn parse(s: &str) -> Option<EntitySlot> {
                match s { $($name => Some(EntitySlot::$variant),)* _ => None }
            }
        }
    };
}

entity_slots! {
    Host => "host";
    User => "user";
    Image => "image";
    Pid => "pid";
    ProcessGuid => "process_guid";
    OriginalFileName => "original_file_name";
    SrcIp => "src_ip";
    SrcPort => "src_port";
    DstIp => "dst_ip";
    DstPort => "dst_port";
    DstDomain => "dst_domain";
    BytesOut => "bytes_out";
    BytesIn => "bytes_in";
}

impl Entity {
    /// The slots that hold no text (addresses, ports, counts), the others empty.
    pub fn clone_numbers(&self) -> Entity {
        Entity {
            pid: self.pid,
            src_ip: self.src_ip,
            src_port: self.src_port,
            dst_ip: self.dst_ip,
            dst_port: self.dst_port,
            bytes_out: self.bytes_out,
            bytes_in: self.bytes_in,
            ..Entity::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Entity::default()
    }
}
