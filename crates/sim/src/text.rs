//! What the messages say: the services that send verification codes (with their
//! `【签名】` signatures and 1069 service codes), and our own templates for codes, notices,
//! marketing and personal texts, in Chinese and English. Templates are split once into
//! literal pieces so that a message is assembled without allocating.

/// A service that sends verification codes.
#[derive(Debug, Clone)]
pub struct Service {
    pub signature: &'static str,
    /// The platform name used in `registrations`, when people sign up to it.
    pub platform: Option<&'static str>,
    pub english: bool,
    pub code: String,
}

const SERVICES: &[(&str, Option<&str>, bool)] = &[
    ("微信", Some("wechat"), false),
    ("腾讯科技", Some("qq"), false),
    ("支付宝", Some("alipay"), false),
    ("抖音", Some("douyin"), false),
    ("快手", Some("kuaishou"), false),
    ("淘宝", Some("taobao"), false),
    ("京东", Some("jd"), false),
    ("拼多多", Some("pinduoduo"), false),
    ("美团", Some("meituan"), false),
    ("滴滴出行", Some("didi"), false),
    ("饿了么", None, false),
    ("小红书", Some("xiaohongshu"), false),
    ("哔哩哔哩", Some("bilibili"), false),
    ("微博", Some("weibo"), false),
    ("知乎", None, false),
    ("钉钉", None, false),
    ("飞书", None, false),
    ("携程旅行", None, false),
    ("铁路12306", None, false),
    ("高德地图", None, false),
    ("闲鱼", Some("xianyu"), false),
    ("陌陌", Some("momo"), false),
    ("探探", Some("tantan"), false),
    ("Soul", None, false),
    ("唯品会", None, false),
    ("苏宁易购", None, false),
    ("大众点评", None, false),
    ("网易", None, false),
    ("百度", None, false),
    ("爱奇艺", None, false),
    ("优酷", None, false),
    ("中国移动和包", None, false),
    ("招商银行", None, false),
    ("工商银行", None, false),
    ("建设银行", None, false),
    ("中国银行", None, false),
    ("农业银行", None, false),
    ("平安银行", None, false),
    ("云闪付", None, false),
    ("得物", None, false),
    ("Keep", None, false),
    ("贝壳找房", None, false),
    ("58同城", None, false),
    ("BOSS直聘", None, false),
    ("Apple", None, true),
    ("Google", None, true),
    ("Microsoft", None, true),
    ("Telegram", None, true),
    ("WhatsApp", None, true),
    ("TikTok", None, true),
    ("Steam", None, true),
    ("Binance", None, true),
];

pub fn services() -> Vec<Service> {
    SERVICES
        .iter()
        .enumerate()
        .map(|(i, &(signature, platform, english))| {
            // Fixed, distinct 1069 codes: a bijection of the index, so no two collide.
            let body = (i as u64 * 7_919 + 104_729) % 10_000_000;
            Service {
                signature,
                platform,
                english,
                code: format!("10690{body:07}"),
            }
        })
        .collect()
}

/// One piece of a template.
#[derive(Debug, Clone)]
pub enum Part {
    Lit(&'static str),
    Sig,
    Code,
    Minutes,
}

/// A template split into parts.
#[derive(Debug, Clone)]
pub struct Template(pub Vec<Part>);

fn split(t: &'static str) -> Template {
    let mut parts = Vec::new();
    let mut rest = t;
    while let Some(i) = rest.find('{') {
        if i > 0 {
            parts.push(Part::Lit(&rest[..i]));
        }
        let tail = &rest[i..];
        let (part, len) = if tail.starts_with("{S}") {
            (Part::Sig, 3)
        } else if tail.starts_with("{C}") {
            (Part::Code, 3)
        } else if tail.starts_with("{M}") {
            (Part::Minutes, 3)
        } else {
            (Part::Lit("{"), 1)
        };
        parts.push(part);
        rest = &tail[len..];
    }
    if !rest.is_empty() {
        parts.push(Part::Lit(rest));
    }
    Template(parts)
}

const OTP_ZH: &[&str] = &[
    "【{S}】验证码{C}，用于登录，{M}分钟内有效。验证码提供给他人可能导致账号被盗，请勿泄露，谨防被骗。",
    "【{S}】您的验证码是{C}，{M}分钟内有效，请勿告诉他人。",
    "【{S}】{C}（动态验证码），您正在注册{S}账号，请勿向任何人泄露。",
    "【{S}】验证码：{C}，您正在进行身份验证，打死不要告诉别人哦！",
    "【{S}】尊敬的用户，您本次操作的短信验证码为{C}，有效期{M}分钟。如非本人操作请忽略。",
    "【{S}】{C}是您的登录验证码，请于{M}分钟内填写。工作人员不会向您索取，请勿泄露。",
    "【{S}】您正在绑定新设备，验证码{C}。若非本人操作，请立即修改密码。",
    "【{S}】校验码{C}，您正在使用短信验证码登录，切勿转发。",
];

const OTP_EN: &[&str] = &[
    "[{S}] Your verification code is {C}. It expires in {M} minutes. Do not share it with anyone.",
    "<#> {S}: your code is {C}. Don't share it.",
    "{S} code: {C}. Valid for {M} minutes.",
    "Your {S} account security code is {C}",
    "【{S}】Your {S} ID Code is: {C}. Don't share it with anyone.",
];

const NOTICE: &[(&str, &str)] = &[
    (
        "10001",
        "【中国电信】尊敬的客户，您的账户可用余额为{C}元，为避免影响使用请及时充值。",
    ),
    (
        "10001",
        "【中国电信】您已成功订购5G流量包，本月剩余国内流量{C}MB。",
    ),
    (
        "95555",
        "【招商银行】您账户尾号{C}的信用卡本期账单已出，请按时还款。",
    ),
    (
        "95588",
        "【工商银行】您尾号{C}的账户于今日发生一笔工资收入，详情请查询手机银行。",
    ),
    (
        "95338",
        "【顺丰速运】您的快件已到达丰巢柜，取件码{C}，请及时取件。",
    ),
    (
        "1069053188",
        "【菜鸟驿站】您的包裹已到站，凭取件码{C}到驿站取件。",
    ),
    (
        "12381",
        "【国家反诈中心】提醒您：凡是自称领导、熟人要求转账汇款的，都是诈骗！",
    ),
    (
        "1069011120",
        "【广东省人民医院】您已成功预约{C}号，请按时就诊。",
    ),
    ("12306", "【铁路客服】订单{C}已出票，请携带身份证件乘车。"),
    (
        "95598",
        "[Electricity] Your bill for this month is {C} yuan. Pay via the app.",
    ),
];

const MARKETING: &[(&str, &str)] = &[
    (
        "1069089000",
        "【{S}】双11狂欢提前购，全场满300减50，点击 t.cn/A6x9 抢购，拒收请回复R",
    ),
    (
        "1069089001",
        "【{S}】您有一张20元无门槛优惠券即将过期，立即使用。退订回T",
    ),
    (
        "10001",
        "【中国电信】5G畅享套餐限时优惠，月费低至59元，回复KT办理。",
    ),
    ("1069089002", "【{S}】会员日福利：今日下单享8折，退订回TD"),
    (
        "1069089003",
        "【{S}】新人专享红包已到账，点击领取，拒收请回复R",
    ),
];

const PERSONAL: &[&str] = &[
    "到了吗",
    "晚上一起吃饭？",
    "好的，收到",
    "我在路上，十分钟到",
    "妈，我周末回家",
    "明天开会几点？",
    "帮我带份饭",
    "OK",
    "哈哈哈",
    "记得交水电费",
    "孩子放学了吗",
    "电话打不通，回个电话",
    "在吗",
    "收到请回复",
    "生日快乐！",
    "see you at 7, ok?",
];

/// All templates, prepared.
pub struct Texts {
    pub services: Vec<Service>,
    pub otp_zh: Vec<Template>,
    pub otp_en: Vec<Template>,
    pub notice: Vec<(&'static str, Template)>,
    pub marketing: Vec<(&'static str, Template)>,
    pub personal: &'static [&'static str],
}

impl Default for Texts {
    fn default() -> Self {
        Self::new()
    }
}

impl Texts {
    pub fn new() -> Self {
        Texts {
            services: services(),
            otp_zh: OTP_ZH.iter().map(|t| split(t)).collect(),
            otp_en: OTP_EN.iter().map(|t| split(t)).collect(),
            notice: NOTICE.iter().map(|&(c, t)| (c, split(t))).collect(),
            marketing: MARKETING.iter().map(|&(c, t)| (c, split(t))).collect(),
            personal: PERSONAL,
        }
    }

    /// Index of the service whose platform is `platform`.
    pub fn service_of(&self, platform: &str) -> usize {
        self.services
            .iter()
            .position(|s| s.platform == Some(platform))
            .unwrap_or(0)
    }
}

/// Writes `template` with values into `out` (cleared first).
pub fn render(
    out: &mut Vec<u8>,
    template: &Template,
    sig: &str,
    code: u32,
    code_len: u32,
    minutes: u32,
) {
    out.clear();
    for p in &template.0 {
        match p {
            Part::Lit(s) => out.extend_from_slice(s.as_bytes()),
            Part::Sig => out.extend_from_slice(sig.as_bytes()),
            Part::Code => {
                let mut div = 10u32.pow(code_len.saturating_sub(1));
                while div > 0 {
                    out.push(b'0' + (code / div % 10) as u8);
                    div /= 10;
                }
            }
            Part::Minutes => crate::out::push_u64(out, u64::from(minutes)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_codes_with_leading_zeros() {
        let t = Texts::new();
        let mut b = Vec::new();
        render(&mut b, &t.otp_zh[1], "微信", 4321, 6, 5);
        assert_eq!(
            String::from_utf8_lossy(&b),
            "【微信】您的验证码是004321，5分钟内有效，请勿告诉他人。"
        );
    }

    #[test]
    fn service_codes_are_distinct() {
        let s = services();
        let mut codes: Vec<&str> = s.iter().map(|s| s.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), s.len());
    }
}
