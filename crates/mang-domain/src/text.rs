//! Vietnamese text: normalisation and diacritic folding (BRIEF §9 "Search").

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Normalise user input to NFC and trim/collapse white space. Stored text is always NFC
/// (input pasted from Word or macOS may be NFD).
pub fn clean(input: &str) -> String {
    let nfc: String = input.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Fold for search: NFD, drop combining marks, `đ/Đ → d` (đ has no decomposition), lower-case,
/// `’`/`‘` → `'`, collapse spaces. "Nguyễn Văn Ánh" → "nguyen van anh"; "Hoà" and "Hòa" fold alike.
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            '\u{2018}' | '\u{2019}' => out.push('\''),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_every_vietnamese_letter() {
        let cases = [
            ("Nguyễn Văn An", "nguyen van an"),
            ("ĐẶNG THỊ ĐÀO", "dang thi dao"),
            ("Hoà", "hoa"),
            ("Hòa", "hoa"),
            ("Thuỷ", "thuy"),
            ("Thủy", "thuy"),
            ("ăâêôơư ĂÂÊÔƠƯ", "aaeoou aaeoou"),
            ("àảãáạ ằẳẵắặ ầẩẫấậ", "aaaaa aaaaa aaaaa"),
            ("èẻẽéẹ ềểễếệ ìỉĩíị", "eeeee eeeee iiiii"),
            ("òỏõóọ ồổỗốộ ờởỡớợ", "ooooo ooooo ooooo"),
            ("ùủũúụ ừửữứự ỳỷỹýỵ", "uuuuu uuuuu yyyyy"),
            ("  H’ Hen   Niê ", "h' hen nie"),
        ];
        for (input, want) in cases {
            assert_eq!(fold(input), want, "fold({input:?})");
        }
    }

    #[test]
    fn nfd_input_folds_and_cleans_like_nfc() {
        let nfd: String = "Nguyễn Thị Ánh".nfd().collect();
        assert_ne!(nfd, "Nguyễn Thị Ánh");
        assert_eq!(clean(&nfd), "Nguyễn Thị Ánh");
        assert_eq!(fold(&nfd), "nguyen thi anh");
    }
}
