//! What an SMS says: whether it carries a one-time verification code (OTP), and which
//! service sent it. Used when an operator's export has no `category` column.
//!
//! The rule follows how verification messages are written, not any one template: a
//! verification keyword (验证码, 校验码, 动态码, "verification code", "OTP", …) together
//! with a standalone 4–8 character code that is not an amount, a card or parcel suffix, a
//! time or a phone number. Chinese senders must put their signature in `【】`; English
//! ones often use `[Name]` or "Your Name code is …".

/// Keywords that mark a verification message. Lower-case; matched on lower-cased text.
const OTP_WORDS: &[&str] = &[
    "验证码",
    "校验码",
    "动态码",
    "动态密码",
    "确认码",
    "短信码",
    "激活码",
    "登录码",
    "授权码",
    "安全码",
    "认证码",
    "交易码",
    "随机码",
    "识别码",
    "verification code",
    "verify code",
    "security code",
    "login code",
    "authentication code",
    "confirmation code",
    "one-time",
    "one time",
    "otp",
    "passcode",
    "your code",
    "code is",
    "code:",
    "验证",
    "código",
    "kode verifikasi",
    "mã xác thực",
    "인증번호",
    "認証コード",
];

/// Words after a number that make it an amount, a count or a time rather than a code.
const NOT_CODE_AFTER: &[&str] = &[
    "元", "块", "分钟", "秒", "小时", "天", "积分", "%", "折", "个", "笔", "min", "yuan", "rmb",
    "point",
];
/// Words before a number that make it something other than a code.
const NOT_CODE_BEFORE: &[&str] = &[
    "尾号",
    "末四位",
    "卡号",
    "单号",
    "取件码",
    "取餐码",
    "编号",
    "ending",
    "card",
    "no.",
    "tel",
    "电话",
    "热线",
    "¥",
    "$",
    "￥",
    "rmb",
];

/// Whether the text is an OTP message.
pub fn is_otp(content: &str) -> bool {
    otp_code(content).is_some()
}

/// The code of an OTP message (`None` when the text is not one): of the candidate codes,
/// the one nearest a verification keyword.
pub fn otp_code(content: &str) -> Option<&str> {
    // Every code holds at least three digits: most texts (personal, many notices) fail
    // this byte count before any keyword search or allocation.
    if content.bytes().filter(u8::is_ascii_digit).take(3).count() < 3 {
        return None;
    }
    // ASCII lower-casing keeps every byte offset, so positions compare directly.
    let lower = content.to_ascii_lowercase();
    let keywords: Vec<usize> = OTP_WORDS.iter().filter_map(|w| lower.find(w)).collect();
    if keywords.is_empty() {
        return None;
    }
    codes(content)
        .min_by_key(|(start, _)| {
            keywords
                .iter()
                .map(|k| k.abs_diff(*start))
                .min()
                .unwrap_or(usize::MAX)
        })
        .map(|(_, c)| c)
}

/// Standalone candidate codes: runs of 4–8 ASCII digits (or 4–8 letters and digits with
/// at least 3 digits), not glued to other alphanumerics, not looking like an amount,
/// a suffix, a time, a date or a phone number. Yields (byte offset, code).
fn codes(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len()
            && (b[i].is_ascii_alphanumeric()
                || (b[i] == b'-' && i + 1 < b.len() && b[i + 1].is_ascii_digit() && start + 1 == i))
        {
            i += 1;
        }
        // "123-456": a six-digit code written in two halves, as WhatsApp does.
        if i - start == 3
            && b[start..i].iter().all(u8::is_ascii_digit)
            && b.get(i) == Some(&b'-')
            && b.len() >= i + 4
            && b[i + 1..i + 4].iter().all(u8::is_ascii_digit)
            && b.get(i + 4).is_none_or(|c| !c.is_ascii_alphanumeric())
        {
            if !context_says_not_code(text, start, i + 4) {
                out.push((start, &text[start..i + 4]));
            }
            i += 4;
            continue;
        }
        let token = &text[start..i];
        // "G-123456": a one-letter prefix and dash, as Google and others write codes.
        let core = match token.split_once('-') {
            Some((p, rest)) if p.len() == 1 => rest,
            _ => token,
        };
        let digits = core.bytes().filter(u8::is_ascii_digit).count();
        let shaped = (4..=8).contains(&core.len())
            && (digits == core.len()
                || (digits >= 3
                    && core
                        .bytes()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())));
        if shaped && !context_says_not_code(text, start, i) {
            out.push((start, core));
        }
    }
    out.into_iter()
}

fn context_says_not_code(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].trim_end();
    let after = text[end..].trim_start();
    let before_l = before.to_ascii_lowercase();
    let after_l = after.to_ascii_lowercase();
    if NOT_CODE_AFTER.iter().any(|w| after_l.starts_with(w))
        || NOT_CODE_BEFORE.iter().any(|w| before_l.ends_with(w))
    {
        return true;
    }
    // Part of a decimal, a time (12:30), a date (2025-10-14, 10/14) or a longer number.
    let prev = before.chars().next_back();
    let next = after.chars().next();
    let glued =
        |c: Option<char>| matches!(c, Some('.' | ':' | '/' | '-' | '年' | '月' | '日' | '号'));
    (glued(prev) && text[..start].ends_with(|c: char| !c.is_whitespace()))
        || (glued(next)
            && text[end..].starts_with(|c: char| !c.is_whitespace())
            && next != Some('.'))
}

/// The service named in a message: the `【签名】` signature (at the start or end), else
/// a leading `[Name]`, else the name in "Your NAME verification code" / "NAME code".
pub fn service(content: &str) -> Option<&str> {
    let t = content.trim();
    if let Some(s) = bracketed(t, '【', '】') {
        return Some(s);
    }
    if let Some(rest) = t.strip_prefix('[')
        && let Some(end) = rest.find(']')
    {
        let name = rest[..end].trim();
        if !name.is_empty() {
            return Some(name);
        }
    }
    let lower = t.to_ascii_lowercase();
    for marker in [
        " verification code",
        " security code",
        " login code",
        " code",
    ] {
        if let Some(k) = lower.find(marker) {
            // The word(s) before the marker, after "your" when present.
            let head = &t[..k];
            let head = head.rsplit_once("our ").map_or(head, |(_, h)| h);
            let name = head.rsplit(['.', ',', ':']).next().unwrap_or(head).trim();
            if !name.is_empty() && name.len() <= 32 && !name.bytes().any(|c| c.is_ascii_digit()) {
                return Some(name);
            }
        }
    }
    None
}

fn bracketed(t: &str, open: char, close: char) -> Option<&str> {
    let a = t.find(open)?;
    let rest = &t[a + open.len_utf8()..];
    let b = rest.find(close)?;
    let s = rest[..b].trim();
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,60}", code in "[0-9]{0,9}") {
            let _ = otp_code(&s);
            let _ = service(&s);
            let t = format!("{s}验证码{code}{s}");
            let _ = otp_code(&t);
            let _ = service(&t);
        }
    }

    /// A labelled set written for this test: OTPs of many services in Chinese and English
    /// and the messages most easily mistaken for them.
    const OTP: &[&str] = &[
        "【微信】验证码：385912，用于登录，5分钟内有效。泄露有风险！",
        "【支付宝】校验码 482916，您正在进行身份验证，请勿告诉他人。",
        "【淘宝】您的验证码是4821，10分钟内有效，请勿泄露。",
        "【中国银行】动态密码为937251，您正在进行网银转账，请勿泄露。",
        "【京东】验证码 6183 ，请在页面中输入完成验证，如非本人操作请忽略。",
        "【抖音】972461是你的验证码，5分钟内有效。",
        "【美团】您的登录验证码为 730128，切勿告知他人。",
        "【滴滴出行】您的验证码 4419，该验证码5分钟内有效，请勿泄漏于他人！",
        "【招商银行】您正在绑定新设备，动态码 552901，切勿提供给任何人。",
        "验证码8462，您正在注册成为新用户，感谢您的支持！【小红书】",
        "【QQ】确认码 RK3948，请在手机上输入以继续。",
        "【拼多多】您的短信验证码为：239871，有效期15分钟。",
        "【网易】激活码 71902834，欢迎使用网易邮箱。",
        "【快手】你正在登录快手，验证码 613392，请勿转发。",
        "【百度】验证码：0921，您正在修改密码，如非本人操作请立即处理。",
        "[Alipay] Your verification code is 482913. It expires in 5 minutes.",
        "Your WhatsApp code is 123-456 but you can simply tap on this link to verify your device.",
        "G-482913 is your Google verification code.",
        "Your Telegram code is 83921. Do not give this code to anyone.",
        "Use 604218 as your login code for Facebook.",
        "Your Uber code: 4813. Never share this code.",
        "[TikTok] 492817 is your verification code, valid for 5 minutes.",
        "Microsoft account security code: 7391",
        "Your OTP for login is 839201. Do not share it with anyone.",
        "Amazon: Your one-time passcode is 203948.",
        "【建设银行】您尾号1234的账户正在进行快捷支付签约，验证码：563902，请勿泄露。",
        "【饿了么】验证码 4827（5分钟内有效），您正在登录。",
        "【工商银行】您正在使用手机银行，校验码：938271，请于2分钟内输入。",
    ];

    const NOT_OTP: &[&str] = &[
        "【中国电信】您本月账单已出，话费58.30元，详情请登录掌上营业厅。",
        "【京东】双十一大促，满300减50，点击 t.cn/A6x 领取，回T退订",
        "晚上8点一起吃饭吗",
        "ok, see you at 1930",
        "【顺丰速运】您的快件已到达丰巢柜，取件码 482913，请及时领取。",
        "【招商银行】您尾号8841的信用卡10月14日消费1280.00元。",
        "【工商银行】您尾号4821卡10月14日12:30工资收入8500.00元，余额12034.55元。",
        "【中国移动】温馨提示：验证码是您的重要信息，请勿向任何人透露，谨防诈骗。",
        "【美团】您的订单 2025101412 已送达，祝您用餐愉快。",
        "【12306】订单E123456789,张三您已购10月15日G1234次3车5F号，检票口B6。",
        "Your package 1Z999AA10123456784 is out for delivery.",
        "Meeting moved to 14:30 in room 4021.",
        "【平安银行】您的贷款已审批，额度50000元，回复1确认。",
        "【饿了么】红包已到账，满20减5，有效期至10月20日。",
        "家里WiFi密码是 88886666",
        "Call me back at 13312345678",
        "【中国联通】您已成功订购5GB流量包，有效期30天。",
        "【拼多多】您关注的商品降价了，现价99元，快来看看吧 回TD退订",
        "【国家反诈中心】提醒：任何索要短信验证码的都是诈骗！",
        "Your order #48213 has shipped.",
    ];

    #[test]
    fn classifier_accuracy_on_the_labelled_set() {
        let mut wrong = Vec::new();
        for s in OTP {
            if !is_otp(s) {
                wrong.push(format!("missed: {s}"));
            }
        }
        for s in NOT_OTP {
            if is_otp(s) {
                wrong.push(format!("false alarm: {s} (code {:?})", otp_code(s)));
            }
        }
        let total = OTP.len() + NOT_OTP.len();
        let accuracy = 1.0 - wrong.len() as f64 / total as f64;
        println!(
            "OTP classifier: {} of {total} right ({:.1} %)",
            total - wrong.len(),
            accuracy * 100.0
        );
        for w in &wrong {
            println!("  {w}");
        }
        assert!(
            accuracy >= 0.95,
            "accuracy {accuracy:.3} on {total} messages:\n{}",
            wrong.join("\n")
        );
    }

    #[test]
    fn codes_and_services() {
        assert_eq!(
            otp_code("【微信】验证码：385912，用于登录，5分钟内有效。"),
            Some("385912")
        );
        assert_eq!(
            otp_code("G-482913 is your Google verification code."),
            Some("482913")
        );
        assert_eq!(
            otp_code("Your WhatsApp code is 123-456 but you can tap the link."),
            Some("123-456")
        );
        assert_eq!(
            otp_code("【建设银行】您尾号1234的账户，验证码：563902，请勿泄露。"),
            Some("563902")
        );
        assert_eq!(service("【微信】验证码：385912"), Some("微信"));
        assert_eq!(
            service("验证码8462，感谢您的支持！【小红书】"),
            Some("小红书")
        );
        assert_eq!(
            service("[Alipay] Your verification code is 482913."),
            Some("Alipay")
        );
        assert_eq!(service("Your Telegram code is 83921."), Some("Telegram"));
        assert_eq!(
            service("G-482913 is your Google verification code."),
            Some("Google")
        );
        assert_eq!(service("晚上8点一起吃饭吗"), None);
    }
}
