//! `outflow formats` and `outflow mappings`.

use crate::args::{MappingsAction, MappingsArgs};
use crate::Failure;
use outflow_event::SourceKind;
use outflow_normalize::{Mappings, BUILTIN};

pub fn formats() {
    println!("{:<14} description", "format");
    for k in SourceKind::ALL {
        println!("{:<14} {}", k.as_str(), k.describe());
    }
}

pub fn run(args: MappingsArgs) -> Result<(), Failure> {
    match args.action {
        MappingsAction::List { mappings } => {
            let m = Mappings::load(mappings.as_deref()).map_err(|e| Failure::Usage(e.to_string()))?;
            for (name, origin) in &m.loaded {
                println!("{name:<10} {origin}");
            }
            Ok(())
        }
        MappingsAction::Show { name } => {
            let file = format!("{}.yml", name.trim_end_matches(".yml"));
            match BUILTIN.iter().find(|(f, _)| *f == file) {
                Some((_, text)) => {
                    print!("{text}");
                    Ok(())
                }
                None => Err(Failure::Usage(format!(
                    "no built-in mapping '{name}' (known: {})",
                    BUILTIN.iter().map(|(f, _)| f.trim_end_matches(".yml")).collect::<Vec<_>>().join(", ")
                ))),
            }
        }
        MappingsAction::Export { dir } => {
            std::fs::create_dir_all(&dir).map_err(|e| Failure::Fatal(format!("{}: {e}", dir.display())))?;
            for (file, text) in BUILTIN {
                let p = dir.join(file);
                std::fs::write(&p, text).map_err(|e| Failure::Fatal(format!("{}: {e}", p.display())))?;
                println!("{}", p.display());
            }
            Ok(())
        }
    }
}
