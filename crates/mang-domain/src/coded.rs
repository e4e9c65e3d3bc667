//! `coded!`: a closed list of codes with Vietnamese labels (an enum, its list, `as_str`,
//! `label_vi`, and `parse` from the code or the label, diacritics and case ignored), for
//! the small coded fields of health records.

macro_rules! coded {
    ($name:ident, $all:ident, [$(($var:ident, $code:literal, $label:literal)),* $(,)?]) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($var),* }
        pub const $all: &[$name] = &[$($name::$var),*];
        impl $name {
            pub fn as_str(self) -> &'static str { match self { $($name::$var => $code),* } }
            pub fn label_vi(self) -> &'static str { match self { $($name::$var => $label),* } }
            /// The code or the Vietnamese label (diacritics and case ignored).
            pub fn parse(s: &str) -> Option<$name> {
                let f = crate::text::fold(s);
                $all.iter().copied().find(|x| x.as_str() == s.trim() || crate::text::fold(x.label_vi()) == f)
            }
        }
    };
}
