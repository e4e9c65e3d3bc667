//! Vietnamese personal names: parts (họ, tên đệm, tên) and a sort key that orders names
//! the way registers do (BRIEF §9): by given name, then middle name(s), then family name,
//! in Vietnamese alphabet order `a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y`
//! with tones as a secondary difference (none, huyền, hỏi, ngã, sắc, nặng — the CLDR `vi`
//! tailoring).
//!
//! The key is plain `[0-9A-Z]` text, so storing it in a column lets SQLite and PostgreSQL
//! sort and page 2.5 million children with an ordinary index, whatever the database
//! collation (`ORDER BY name_key, birth_date, id`). Byte order of raw names is useless
//! (`Đức` would follow `Ước`), and an ICU collator cannot be used inside `ORDER BY`.

use unicode_normalization::UnicodeNormalization;

/// A full name split into family name (họ), middle name(s) (tên đệm) and given name (tên).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameParts {
    pub family: String,
    pub middle: String,
    pub given: String,
}

impl NameParts {
    /// Default split on spaces: first word family name, last word given name, the rest
    /// middle. Ethnic-minority names may not follow this (e.g. Ê Đê "H' Hen Niê"); such
    /// records carry a manual override.
    pub fn split(full_name: &str) -> NameParts {
        let words: Vec<&str> = full_name.split_whitespace().collect();
        match words.len() {
            0 => NameParts {
                family: String::new(),
                middle: String::new(),
                given: String::new(),
            },
            1 => NameParts {
                family: String::new(),
                middle: String::new(),
                given: words[0].into(),
            },
            n => NameParts {
                family: words[0].into(),
                middle: words[1..n - 1].join(" "),
                given: words[n - 1].into(),
            },
        }
    }

    /// The register sort key: given, middle, family (see the module docs).
    pub fn sort_key(&self) -> String {
        let mut primary = String::with_capacity(64);
        let mut secondary = String::with_capacity(24);
        for part in [&self.given, &self.middle, &self.family] {
            for (i, word) in part.split_whitespace().enumerate() {
                if i > 0 {
                    primary.push_str(WORD_SEP);
                }
                push_word(word, &mut primary, &mut secondary);
            }
            primary.push_str(PART_END);
        }
        primary.push_str(&secondary);
        primary
    }
}

/// Sort key of a full name with the default split.
pub fn sort_key(full_name: &str) -> String {
    NameParts::split(full_name).sort_key()
}

impl NameParts {
    /// A manual split (for names that do not follow họ – đệm – tên, e.g. Ê Đê
    /// "H' Hen Niê"): the family name and the given name typed by an officer, the middle
    /// name being the words left over in their order. Every word must come from the full
    /// name; the given name is required.
    pub fn with_override(
        full_name: &str,
        family: &str,
        given: &str,
    ) -> Result<NameParts, &'static str> {
        let mut left: Vec<&str> = full_name.split_whitespace().collect();
        let (family, given) = (crate::text::clean(family), crate::text::clean(given));
        if given.is_empty() {
            return Err(crate::vi::NAME_PARTS_GIVEN_REQUIRED);
        }
        for word in family.split_whitespace().chain(given.split_whitespace()) {
            match left.iter().position(|w| *w == word) {
                Some(i) => {
                    left.remove(i);
                }
                None => return Err(crate::vi::NAME_PARTS_NOT_IN_NAME),
            }
        }
        Ok(NameParts {
            family,
            middle: left.join(" "),
            given,
        })
    }

    /// Stored form of a manual split: `family|middle|given`.
    pub fn to_stored(&self) -> String {
        format!("{}|{}|{}", self.family, self.middle, self.given)
    }

    /// The split of a record: its stored manual split if it still fits the name, else the
    /// default one.
    pub fn of_record(full_name: &str, stored: Option<&str>) -> NameParts {
        stored
            .and_then(|s| {
                let mut it = s.split('|');
                let (family, _middle, given) = (it.next()?, it.next()?, it.next()?);
                NameParts::with_override(full_name, family, given).ok()
            })
            .unwrap_or_else(|| NameParts::split(full_name))
    }
}

/// Key ranges `[from, to)` of `name_key` holding every given name (tên) that begins with a
/// folded search word, diacritic-insensitively: "an" gives the ranges of "an…", "ăn…" and
/// "ân…", since the key tells a ă â apart. `None` if the word has no letters or would need
/// more than `MAX_VARIANTS` ranges (the caller then searches another way).
pub fn given_prefix_ranges(folded_word: &str) -> Option<Vec<(String, String)>> {
    Some(
        word_code_variants(folded_word)?
            .into_iter()
            .map(|p| {
                let to = format!("{p}~");
                (p, to)
            })
            .collect(),
    )
}

/// Substrings of `name_key` that show a name with a word — after the given name, so a
/// middle or family name — beginning with the folded word, in any diacritic variant: the
/// word's codes right after a part end or a word separator. They test the key alone (in
/// the index, without reading the row); a match is then confirmed on the folded name,
/// since a needle can rarely also match across code boundaries.
pub fn later_word_needles(folded_word: &str) -> Option<Vec<String>> {
    let variants = word_code_variants(folded_word)?;
    // A word of three letters or more rarely shows inside another word: its codes alone
    // are enough (half the tests); a short one needs the boundary before it.
    if folded_word.chars().count() >= 3 {
        return Some(variants);
    }
    Some(
        variants
            .into_iter()
            .flat_map(|p| [format!("{PART_END}{p}"), format!("{WORD_SEP}{p}")])
            .collect(),
    )
}

const MAX_VARIANTS: usize = 64;

/// The primary codes of every diacritic variant of a folded word, sorted.
fn word_code_variants(folded_word: &str) -> Option<Vec<String>> {
    let mut prefixes = vec![String::new()];
    for c in folded_word.chars() {
        let letters: &[&str] = match c {
            'a' => &["a", "ă", "â"],
            'd' => &["d", "đ"],
            'e' => &["e", "ê"],
            'o' => &["o", "ô", "ơ"],
            'u' => &["u", "ư"],
            d if d.is_ascii_digit() => {
                let code = [b'0', b"23456789AB"[(d as u8 - b'0') as usize]];
                prefixes.iter_mut().for_each(|p| push_code(p, code));
                continue;
            }
            _ => match ALPHABET.iter().find(|l| l.chars().eq(std::iter::once(c))) {
                Some(l) => std::slice::from_ref(l),
                None => continue, // punctuation takes no part in the key
            },
        };
        if prefixes.len() * letters.len() > MAX_VARIANTS {
            return None;
        }
        prefixes = prefixes
            .iter()
            .flat_map(|p| {
                letters.iter().map(move |l| {
                    let mut q = p.clone();
                    let i = ALPHABET.iter().position(|x| x == l).expect("letter");
                    push_code(&mut q, letter_code(i));
                    q
                })
            })
            .collect();
    }
    if prefixes.iter().all(String::is_empty) {
        return None;
    }
    prefixes.sort();
    Some(prefixes)
}

// Codes are two characters of [0-9A-Z]; every letter code starts with 1–3 so it sorts
// after the part end `00`, the word separator `01` and digits `02`–`0B`.
const PART_END: &str = "00";
const WORD_SEP: &str = "01";

/// The Vietnamese alphabet with the Latin letters it lacks (f j w z, found in
/// ethnic-minority and foreign names) in their Latin places.
const ALPHABET: [&str; 33] = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o",
    "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
];

fn letter_code(index: usize) -> [u8; 2] {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let n = 36 + index; // "10", "11", … — always after PART_END, WORD_SEP and digits
    [DIGITS[n / 36], DIGITS[n % 36]]
}

fn push_code(out: &mut String, code: [u8; 2]) {
    out.push(code[0] as char);
    out.push(code[1] as char);
}

/// Append the primary codes and the tone digits of one word.
fn push_word(word: &str, primary: &mut String, secondary: &mut String) {
    let lower: String = word.nfd().flat_map(char::to_lowercase).collect();
    let mut chars = lower.chars().peekable();
    while let Some(c) = chars.next() {
        // Gather the combining marks that follow the base character.
        let (mut breve, mut circumflex, mut horn, mut tone) = (false, false, false, 0u8);
        while let Some(&m) = chars.peek() {
            match m {
                '\u{0306}' => breve = true,
                '\u{0302}' => circumflex = true,
                '\u{031B}' => horn = true,
                '\u{0300}' => tone = 1, // huyền
                '\u{0309}' => tone = 2, // hỏi
                '\u{0303}' => tone = 3, // ngã
                '\u{0301}' => tone = 4, // sắc
                '\u{0323}' => tone = 5, // nặng
                m if unicode_normalization::char::is_combining_mark(m) => {}
                _ => break,
            }
            chars.next();
        }
        let letter = match (c, breve, circumflex, horn) {
            ('a', true, _, _) => "ă",
            ('a', _, true, _) => "â",
            ('e', _, true, _) => "ê",
            ('o', _, true, _) => "ô",
            ('o', _, _, true) => "ơ",
            ('u', _, _, true) => "ư",
            ('đ', ..) => "đ",
            _ => "",
        };
        let index = if letter.is_empty() {
            let mut buf = [0u8; 4];
            let s: &str = c.encode_utf8(&mut buf);
            ALPHABET.iter().position(|l| *l == s)
        } else {
            ALPHABET.iter().position(|l| *l == letter)
        };
        match (index, c) {
            (Some(i), _) => {
                push_code(primary, letter_code(i));
                secondary.push((b'0' + tone) as char);
            }
            (None, d) if d.is_ascii_digit() => {
                push_code(primary, [b'0', b"23456789AB"[(d as u8 - b'0') as usize]]);
                secondary.push('0');
            }
            // Apostrophes, hyphens and other punctuation do not take part in the order.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_prefix_ranges_cover_every_diacritic_variant() {
        let ranges = given_prefix_ranges("an").unwrap();
        assert_eq!(ranges.len(), 3);
        let inside = |name: &str| {
            let k = sort_key(name);
            ranges.iter().any(|(a, b)| k >= *a && k < *b)
        };
        for name in [
            "Lý Thị An",
            "Hồ Thị Ăn",
            "Lê Văn Ẩn",
            "Trần Anh",
            "Phạm Văn Ánh",
        ] {
            assert!(inside(name), "{name}");
        }
        for name in ["Nguyễn Văn Bản", "Lê An Bình", "An"] {
            assert_eq!(inside(name), name == "An", "{name}");
        }
        let duc = given_prefix_ranges("duc").unwrap();
        assert_eq!(duc.len(), 4); // d/đ × u/ư
        let k = sort_key("Đỗ Minh Đức");
        assert!(duc.iter().any(|(a, b)| k >= *a && k < *b));
        assert!(given_prefix_ranges("'").is_none());
        assert!(
            given_prefix_ranges("aaaaaa").is_none(),
            "3^6 ranges is too many"
        );
    }

    #[test]
    fn later_word_needles_find_middle_and_family_names_in_the_key() {
        let has = |word: &str, name: &str| {
            let k = sort_key(name);
            later_word_needles(word)
                .unwrap()
                .iter()
                .any(|p| k.contains(p.as_str()))
        };
        assert!(has("nguyen", "Nguyễn Văn An"));
        assert!(has("van", "Nguyễn Văn An"));
        assert!(has("ng", "Nguyễn Văn An"), "a beginning of a word");
        assert!(
            !has("an", "Nguyễn Văn An"),
            "the given name is not a later word"
        );
        assert!(!has("tran", "Nguyễn Văn An"));
        assert!(has("do", "Đỗ Minh Đức"));
        assert!(
            !has("le", "Nguyễn Văn Lê An") || has("le", "Lê An"),
            "short words need a boundary"
        );
        assert!(!has("an", "Lan"), "a short word inside another is no match");
    }

    #[test]
    fn a_manual_split_uses_the_words_of_the_name() {
        let p = NameParts::with_override("H' Hen Niê", "Niê", "H' Hen").unwrap();
        assert_eq!(
            (p.family.as_str(), p.middle.as_str(), p.given.as_str()),
            ("Niê", "", "H' Hen")
        );
        assert_eq!(
            NameParts::of_record("H' Hen Niê", Some(&p.to_stored())).given,
            "H' Hen"
        );
        // A stored split that no longer fits the name falls back to the default one.
        assert_eq!(
            NameParts::of_record("Lò Văn Sáu", Some(&p.to_stored())).given,
            "Sáu"
        );
        assert!(NameParts::with_override("Lò Văn Sáu", "Lò", "Bảy").is_err());
        assert!(NameParts::with_override("Lò Văn Sáu", "Lò", "").is_err());
        let p = NameParts::with_override("Lò Văn Sáu", "", "Văn Sáu").unwrap();
        assert_eq!(p.middle, "Lò");
    }

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        v.sort_by_cached_key(|n| sort_key(n));
        v
    }

    #[test]
    fn single_words_follow_the_vietnamese_alphabet_and_tones() {
        // The order ICU's `vi` collation gives (checked in STACK.md).
        let want = [
            "An", "Ánh", "Ăn", "Âu", "Ba", "Bà", "Bả", "Bã", "Bá", "Bạ", "Dung", "Đức", "Em", "Êm",
            "Oanh", "Ôn", "Ơn", "Uyên", "Ước",
        ];
        let keys: Vec<String> = want
            .iter()
            .map(|w| {
                NameParts {
                    family: String::new(),
                    middle: String::new(),
                    given: w.to_string(),
                }
                .sort_key()
            })
            .collect();
        let mut sorted_keys = keys.clone();
        sorted_keys.sort();
        assert_eq!(
            keys, sorted_keys,
            "keys of the reference order are increasing"
        );
    }

    #[test]
    fn registers_sort_by_given_then_middle_then_family() {
        let got = sorted(&[
            "Trần Văn Bình",
            "Nguyễn Thị Ánh",
            "Lê Văn An",
            "Phạm Thị An",
            "Đỗ Đức Đạt",
            "Nguyễn Văn Dũng",
            "Hoàng Thị Ước",
            "Vũ Thị Uyên",
            "Bùi An",
        ]);
        assert_eq!(
            got,
            [
                "Bùi An",      // An, no middle name
                "Phạm Thị An", // An, middle Thị
                "Lê Văn An",   // An, middle Văn
                "Nguyễn Thị Ánh",
                "Trần Văn Bình",
                "Nguyễn Văn Dũng",
                "Đỗ Đức Đạt", // đ after d
                "Vũ Thị Uyên",
                "Hoàng Thị Ước", // ư after u
            ]
        );
    }

    #[test]
    fn nfc_nfd_case_and_tone_placement_give_the_same_key() {
        let nfd: String = "Nguyễn Thị Thủy".nfd().collect();
        assert_eq!(sort_key(&nfd), sort_key("Nguyễn Thị Thủy"));
        assert_eq!(sort_key("NGUYỄN THỊ THỦY"), sort_key("Nguyễn Thị Thủy"));
        // "Thuỷ" vs "Thủy": the tone sits on a different vowel but it is the same name.
        // Keys compare letters first, so both sort next to each other.
        let a = sort_key("Thuỷ");
        let b = sort_key("Thủy");
        assert_eq!(a[..a.len() - 4], b[..b.len() - 4], "same primary letters");
    }

    #[test]
    fn keys_are_plain_alphanumerics_and_splits_default_to_spaces() {
        let k = sort_key("H' Hen Niê");
        assert!(
            k.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()),
            "{k}"
        );
        let p = NameParts::split("Nguyễn Thị Thu Thủy");
        assert_eq!(
            (p.family.as_str(), p.middle.as_str(), p.given.as_str()),
            ("Nguyễn", "Thị Thu", "Thủy")
        );
        let p = NameParts::split("Thủy");
        assert_eq!((p.family.as_str(), p.given.as_str()), ("", "Thủy"));
        assert!(
            sort_key("Lò Văn 2") < sort_key("Lò Văn A"),
            "digits sort before letters"
        );
    }
}
