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
