//! Detector settings: each detector declares its thresholds once, with a doc line and a
//! default, through [`settings!`]; the same declaration gives the serde struct read from
//! `duanka.toml` (unknown keys are errors, missing keys take the default) and the
//! commented defaults that `duanka config --defaults` prints.

/// A settings struct whose fields carry their documentation at run time.
pub trait Documented: Default + serde::Serialize {
    /// `(field, doc)` in declaration order.
    fn docs() -> &'static [(&'static str, &'static str)];
}

/// Declares a detector's settings: `settings! { /// doc\n Name { /// doc\n field: Type = default, ... } }`.
#[macro_export]
macro_rules! settings {
    (
        $(#[doc = $sdoc:literal])*
        $name:ident {
            $( $(#[doc = $doc:literal])+ $field:ident : $ty:ty = $default:expr ),* $(,)?
        }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            $( $(#[doc = $doc])+ pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name { $( $field: $default, )* }
            }
        }

        impl $crate::settings::Documented for $name {
            fn docs() -> &'static [(&'static str, &'static str)] {
                &[ $( (stringify!($field), concat!($($doc, "\n"),+)) ),* ]
            }
        }
    };
}

/// Renders one section of the defaults file: the section's doc, then each field's doc
/// as comments above `field = default`.
pub(crate) fn render_section<T: Documented>(name: &str, about: &str, out: &mut String) {
    out.push_str(&format!("\n# {about}\n[{name}]\n"));
    let value = toml::Value::try_from(T::default());
    let table = match &value {
        Ok(toml::Value::Table(t)) => Some(t),
        _ => None,
    };
    for (field, doc) in T::docs() {
        for line in doc.lines() {
            let line = line.trim();
            if line.is_empty() {
                out.push_str("#\n");
            } else {
                out.push_str(&format!("# {line}\n"));
            }
        }
        match table.and_then(|t| t.get(*field)) {
            Some(v) => out.push_str(&format!("{field} = {v}\n")),
            None => out.push_str(&format!("# {field} has no default\n")),
        }
    }
}
