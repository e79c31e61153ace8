#!/usr/bin/env python3
"""Independent world generator for duanka (written from SCHEMA.md and the seed story only).

python3 bench/altworld/gen.py --out DIR --subscribers N --seed S [--scenario chain|clean]
        [--days D] [--reference DIR]

Writes the contract tables (subscribers, sms, calls, attach, registrations, flows, assets,
audit, cases, transfers) in a deliberate mix of the formats the contract allows, plus
truth.csv (canonical ids) and hard_negatives.csv. Standard library only; deterministic per
seed. The reference folder (TAC db, per-country CIDR lists) is only read, never copied.
"""
import argparse
import csv
import gzip
import io
import ipaddress
import json
import os
import random
import string
from datetime import datetime, timedelta, timezone

CST = timezone(timedelta(hours=8))
T0 = int(datetime(2025, 10, 13, 0, 0, tzinfo=CST).timestamp())
DAY = 86400


# ---------------------------------------------------------------- helpers
def luhn_digit(d14):
    s = 0
    for i, ch in enumerate(reversed(d14)):
        n = int(ch)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        s += n
    return str((10 - s % 10) % 10)


def imei_ok(tac, rng):
    body = tac + "".join(rng.choice(string.digits) for _ in range(6))
    return body + luhn_digit(body)


def imei_bad(tac, rng):
    body = tac + "".join(rng.choice(string.digits) for _ in range(6))
    good = luhn_digit(body)
    bad = str((int(good) + rng.randint(1, 9)) % 10)
    return body + bad


def canon_imei(raw):
    d = raw
    if len(d) == 16:
        d = d[:14]
    if len(d) == 14:
        d = d + luhn_digit(d)
    return d


def fmt_ts(t, style):
    if style == "epoch":
        return str(int(t))
    if style == "rfc":
        return datetime.fromtimestamp(t, CST).isoformat()
    if style == "rfcz":
        return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return datetime.fromtimestamp(t, CST).strftime("%Y-%m-%d %H:%M:%S")


def fmt_msisdn(c, rng, weights=(50, 25, 15, 10)):
    """c is canonical 86XXXXXXXXXXX."""
    local = c[2:]
    k = rng.choices((0, 1, 2, 3), weights=weights)[0]
    if k == 0:
        return local
    if k == 1:
        return "+" + c
    if k == 2:
        return c
    return "0086 %s %s %s" % (local[:3], local[3:7], local[7:])


def rand_alnum(rng, n, alphabet=string.ascii_lowercase + string.digits):
    return "".join(rng.choice(alphabet) for _ in range(n))


class Table:
    """Collects rows; writes CSV / CSV.gz / NDJSON / split parts."""

    def __init__(self, name, cols):
        self.name, self.cols, self.rows = name, cols, []

    def add(self, **kw):
        self.rows.append(kw)

    def write(self, out, fmt, rng=None, parts=1):
        rows = self.rows
        if rng is not None:
            rows = sorted(rows, key=lambda r: r.get("_t", 0))
        if parts > 1:
            d = os.path.join(out, self.name)
            os.makedirs(d, exist_ok=True)
            chunk = (len(rows) + parts - 1) // parts
            for i in range(parts):
                sub = rows[i * chunk:(i + 1) * chunk]
                f = fmt[i % len(fmt)] if isinstance(fmt, (list, tuple)) else fmt
                self._write(os.path.join(d, "part-%04d" % (i + 1)), f, sub)
        else:
            self._write(os.path.join(out, self.name), fmt, rows)

    def _write(self, base, fmt, rows):
        if fmt == "ndjson":
            with open(base + ".ndjson", "w", encoding="utf-8") as fh:
                for r in rows:
                    fh.write(json.dumps({k: v for k, v in r.items() if k in self.cols and v is not None},
                                        ensure_ascii=False) + "\n")
            return
        opener = (lambda p: io.TextIOWrapper(gzip.GzipFile(p, "wb", mtime=0), encoding="utf-8", newline="")) \
            if fmt == "csv.gz" else \
            (lambda p: open(p, "w", encoding="utf-8", newline=""))
        with opener(base + "." + fmt) as fh:
            w = csv.writer(fh)
            w.writerow(self.cols)
            for r in rows:
                w.writerow(["" if r.get(c) is None else r.get(c) for c in self.cols])


# ---------------------------------------------------------------- reference
def load_reference(ref):
    tacs = {}
    with open(os.path.join(ref, "osmocom-tacdb.csv"), encoding="utf-8", errors="replace") as fh:
        rd = csv.reader(fh)
        next(rd), next(rd)
        for row in rd:
            if len(row) > 2 and len(row[0]) == 8 and row[0].isdigit():
                tacs[row[0]] = (row[1].strip(), row[2].strip())
    cidrs = {}
    d = os.path.join(ref, "country-ip-blocks-ipv4")
    for cc in ("cn", "us", "sg", "jp", "hk", "nl", "kh", "ph", "my", "de"):
        with open(os.path.join(d, cc + ".cidr")) as fh:
            cidrs[cc] = [ipaddress.ip_network(l.strip()) for l in fh if l.strip() and not l.startswith("#")]
    return tacs, cidrs


def rand_ip(rng, nets):
    n = rng.choice(nets)
    if n.num_addresses <= 4:
        return str(n.network_address)
    return str(n.network_address + rng.randint(1, n.num_addresses - 2))


# ---------------------------------------------------------------- templates
OTP_SERVICES = [
    # (name, peers, templates)  {c}=code
    ("wechat", ["1069070069", "106900791001", "1069050006"],
     ["【腾讯科技】您的微信验证码是：{c}，请勿泄露给他人，5分钟内有效。",
      "【微信】{c}（微信验证码）。你正在注册微信账号，请不要告诉任何人。",
      "WeChat verification code ({c}) may only be used once to verify mobile number. For account safety, don't forward the code to others."]),
    ("qq", ["1069070059"], ["【腾讯科技】{c}（QQ验证码）。你正在登录QQ，如非本人操作请忽略。"]),
    ("alipay", ["95188", "106575000188"], ["【支付宝】校验码{c}，你正在登录支付宝，若非本人操作，请勿泄露。",
                                          "校验码 {c}，您正在使用支付宝，需要进行校验，请勿泄露【支付宝】"]),
    ("taobao", ["106550571740018", "10690391988"], ["【淘宝】验证码{c}，您正在登录，若非本人操作，请勿泄露。"]),
    ("jd", ["10690333017"], ["验证码：{c}（10分钟内有效），您正在进行手机验证，请勿向任何人泄露。【京东】"]),
    ("meituan", ["106904620112"], ["【美团】{c}（登录验证码，请完成验证），如非本人操作，请忽略本短信。"]),
    ("douyin", ["1069012355"], ["【抖音】验证码{c}，用于手机验证码登录，5分钟内有效。验证码提供给他人可能导致帐号被盗，请勿泄露，谨防被骗。"]),
    ("kuaishou", ["106903151005"], ["【快手】{c}是您的验证码，请于5分钟内填写，如非本人操作请忽略。"]),
    ("pinduoduo", ["1069039510"], ["【拼多多】您的验证码是{c}，5分钟内有效，请勿泄露。"]),
    ("didi", ["10690128888"], ["【滴滴出行】验证码{c}，您正在登录滴滴出行，请勿转发。"]),
    ("12306", ["12306"], ["【铁路客服】验证码：{c}，您正在进行手机核验，请在10分钟内完成。"]),
    ("icbc", ["95588"], ["【工商银行】您正在办理网上银行业务，验证码{c}，请勿泄露给任何人。"]),
    ("cmb", ["95555"], ["【招商银行】动态码{c}，您正在进行手机银行登录，切勿告知他人。"]),
    ("boc", ["95566"], ["【中国银行】您的动态密码为{c}，有效期5分钟，请勿泄露。"]),
    ("xiaohongshu", ["10690900001"], ["【小红书】验证码{c}，5分钟内有效，请勿告诉他人。"]),
    ("bilibili", ["106911234567"], ["【哔哩哔哩】{c}为本次验证码，5分钟内有效。"]),
    ("netease_game", ["1069016372"], ["【网易游戏】您的验证码为{c}，请在页面中输入以完成验证。"]),
    ("mihoyo", ["10690555020"], ["【米哈游】验证码：{c}，5分钟内有效，打死都不要告诉别人哦！"]),
    ("telegram", ["+447781470659", "Telegram"], ["Telegram code: {c}\n\nYou can also tap on this link to log in:\nhttps://t.me/login/{c}",
                                                  "Your Telegram code: {c}"]),
    ("google", ["22000"], ["G-{c} is your Google verification code."]),
    ("microsoft", ["+14254147755"], ["Use {c} as Microsoft account security code"]),
    ("whatsapp", ["+12345678901"], ["Your WhatsApp code: {c3}-{c3b}\nDon't share this code with others"]),
    ("apple", ["+8610690000"], ["Your Apple ID code is: {c}. Do not share it with anyone."]),
    ("weibo", ["1069009010"], ["【微博】您的验证码为{c}，请在10分钟内使用。"]),
    ("eleme", ["10690701234"], ["【饿了么】{c}是你的验证码，打死都不要告诉别人哦！"]),
    ("ctrip", ["1069088999"], ["【携程旅行】您的短信验证码为{c}，请勿泄露。"]),
    ("momo", ["10690987654"], ["【陌陌】您的验证码是{c}，请勿泄露给他人。"]),
    ("soul", ["106909880"], ["【Soul】验证码{c}，用于登录，5分钟内有效。"]),
]

NOTICES = [
    ("10001", "【中国电信】尊敬的客户，您{m}月账单已出，本月消费{a}元，当前余额{b}元。"),
    ("95588", "【工商银行】您尾号{d4}卡10月{dd}日{hh}:{mi}快捷支付支出(财付通-微信支付)158.00元，余额{b}元。"),
    ("95555", "【招商银行】您账户{d4}于10月{dd}日{hh}:{mi}入账工资，人民币{a}.00元，余额{b}元。"),
    ("10690950", "【菜鸟驿站】您的包裹已到站，凭取件码{pk}至小区东门驿站取件，营业时间8:00-21:00。"),
    ("1069012003", "【丰巢】取件码{c6}，您的快递已存入丰巢柜，请于24小时内取件。"),
    ("10690058", "【顺丰速运】您的快件SF{d12}将于今天派送，快递员电话{ph}。"),
    ("12306", "【铁路客服】订单E{d9}，您已购10月{dd}日G{d4}次5车12F号，检票口A{d2}。"),
    ("10690123456", "【国家反诈中心】提醒您：凡是自称领导要求转账汇款的，务必当面或电话核实！"),
    ("1069077777", "【滴滴出行】您的行程已结束，费用{a}元，车牌粤B{d5}。"),
    ("10690520", "【美团】您的订单已由骑手送达，订单号{d12}，感谢使用。"),
]

MARKETING = [
    ("1069088888", "【京东】双11狂欢提前购，爆款低至5折，戳 3.cn/{s6} 抢，退订回T"),
    ("10690166", "【唯品会】年终大促，品牌特卖1折起，详情 vip.com 拒收请回复R"),
    ("1065502010", "【中国电信】尊敬的客户，办理5G畅享套餐送100GB流量，回复KT办理。退订回TD"),
    ("10690555", "【某某地产】滨海湾一线海景房，首付{a}万起，来电{ph}。退订回T"),
    ("1069055666", "【瑞幸咖啡】您有一张4.8折券即将到期，点击 lkcoffee.com/{s6} 使用，回T退订"),
    ("106900001", "【平安普惠】您有一笔{a}000元额度待领取，验证码不是必要的，戳 {s6}.cn 退订回T"),
]

PERSONAL = ["晚上回家吃饭吗", "到了没", "好的", "明天几点开会？", "收到，谢谢", "你把文件发我一下",
            "在开车，等下回你", "妈，我这周末回来", "快递帮我拿一下", "OK see you at 7", "今天加班",
            "孩子放学了吗", "发个定位", "哈哈哈", "钱转你了"]


def fill(tpl, rng):
    code_len = rng.choice((4, 5, 6, 6, 6, 6, 8))
    c = "".join(rng.choice(string.digits) for _ in range(code_len))
    return tpl.format(
        c=c, c3=c[:3].ljust(3, "0"), c3b=c[-3:], m=rng.randint(8, 10), a=rng.randint(10, 999),
        b="%d.%02d" % (rng.randint(10, 99999), rng.randint(0, 99)),
        d4="%04d" % rng.randint(0, 9999), d2="%02d" % rng.randint(1, 30), d5="%05d" % rng.randint(0, 99999),
        d9="%09d" % rng.randint(0, 10 ** 9 - 1), d12="%012d" % rng.randint(0, 10 ** 12 - 1),
        dd=rng.randint(13, 14), hh="%02d" % rng.randint(0, 23), mi="%02d" % rng.randint(0, 59),
        pk="%d-%d-%04d" % (rng.randint(1, 9), rng.randint(1, 6), rng.randint(1000, 9999)),
        c6="%06d" % rng.randint(0, 999999), ph="1%d%09d" % (rng.choice((3, 5, 8)), rng.randint(0, 10 ** 9 - 1)),
        s6=rand_alnum(rng, 6))


# ---------------------------------------------------------------- world
TELECOM_PREFIXES = ["133", "153", "173", "177", "180", "181", "189", "199", "191"]
OTHER_CARRIER_PREFIXES = ["138", "139", "135", "150", "186", "185", "130", "158", "187", "166"]

RADIO = "radio"
IMS_GW = "10.18.2.31"          # IP-SM-GW in the inventory (VoLTE SMS over IMS)
SMSC = ["10.18.1.10", "10.18.1.11", "10.18.1.12"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--subscribers", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenario", choices=("chain", "clean"), default="chain")
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--variant", choices=("plain", "hard", "sparse"), default="plain",
                    help="hard: attach feed carries IMSI+IMEI only (no msisdn), sms parts mix CSV and NDJSON, "
                         "flow times as RFC 3339 UTC, some forged device ids printed as 16-digit IMEISV; "
                         "sparse: the leaked pool is scattered over the whole range (no contiguous runs) and the SMS "
                         "feed records no delivery_node for the intercepted codes")
    ap.add_argument("--reference", default=os.environ.get("REFERENCE", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../data/reference")))
    a = ap.parse_args()
    rng = random.Random(a.seed * 7919 + (0 if a.scenario == "chain" else 1))
    tacdb, cidrs = load_reference(a.reference)
    os.makedirs(a.out, exist_ok=True)
    N, DAYS = a.subscribers, a.days
    T1 = T0 + DAYS * DAY
    chain = a.scenario == "chain"
    hard = a.variant == "hard"
    sparse = a.variant == "sparse"

    truth, hneg = [], []

    def T(et, eid, label):
        truth.append((et, eid, label))

    def H(et, eid, kind):
        hneg.append((et, eid, kind))

    # phone TACs: about half of real handsets on a Chinese network today are not in the (old)
    # Osmocom db, so normal phones draw from both listed TACs and unlisted 86xxxxxx TACs.
    phone_brands = ("apple", "samsung", "huawei", "xiaomi", "zte", "oppo", "vivo", "lenovo", "htc", "sony", "lg", "nokia")
    listed = sorted(t for t, (b, m) in tacdb.items() if b.lower().strip() in phone_brands)
    listed_popular = listed[:]  # all listed phone TACs
    unlisted_tacs = []
    while len(unlisted_tacs) < 300:
        t = "86%06d" % rng.randint(0, 999999)
        if t not in tacdb:
            unlisted_tacs.append(t)
    module_tacs = sorted(t for t, (b, m) in tacdb.items() if b.lower() in ("telit", "wavecom", "sierra wireless"))
    seen_imeis = set()

    def phone_imei():
        tac = rng.choice(listed_popular) if rng.random() < 0.5 else rng.choice(unlisted_tacs)
        while True:
            i = imei_ok(tac, rng)
            if i not in seen_imeis:
                seen_imeis.add(i)
                return i

    def raw_imei_form(canon):
        """how a network element may print an IMEI: 15 digits, 14 digits or IMEISV."""
        r = rng.random()
        if r < 0.08:
            return canon[:14]
        if r < 0.14:
            return canon[:14] + "%02d" % rng.randint(0, 99)
        return canon

    # ---------------------------------------------------------- numbering
    used = set()
    blocks = ["%s%04d" % (rng.choice(TELECOM_PREFIXES), rng.randint(0, 9999)) for _ in range(max(8, N // 900))]

    def new_number(block=None):
        while True:
            b = block or rng.choice(blocks)
            n = "86" + b + "%04d" % rng.randint(0, 9999)
            if n not in used:
                used.add(n)
                return n

    imsi_used = set()

    def new_imsi():
        while True:
            i = "460" + rng.choice(("11", "03", "05")) + "%010d" % rng.randint(0, 10 ** 10 - 1)
            if i not in imsi_used:
                imsi_used.add(i)
                return i

    def ext_number():
        return "86" + rng.choice(OTHER_CARRIER_PREFIXES) + "%08d" % rng.randint(0, 10 ** 8 - 1)

    subs = Table("subscribers", ["msisdn", "imsi", "activated_at", "channel", "id_hash", "status"])
    sms = Table("sms", ["ts", "direction", "msisdn", "peer", "content", "category", "delivery_node"])
    calls = Table("calls", ["ts", "direction", "msisdn", "peer", "duration_s", "cell_id", "imei"])
    attach = Table("attach", ["ts", "imsi", "msisdn", "imei", "cell_id"])
    regs = Table("registrations", ["ts", "platform", "account_id", "msisdn", "device_id", "ip"])
    flows = Table("flows", ["ts_start", "ts_end", "src_ip", "dst_ip", "src_port", "dst_port", "proto", "bytes", "packets"])
    assets = Table("assets", ["ip", "hostname", "owner", "role", "network"])
    audit = Table("audit", ["ts", "user", "action", "object", "record_count", "src_ip"])
    cases = Table("cases", ["case_id", "reported_at", "victim_msisdn", "loss", "fraud_type", "channel",
                            "fraud_account", "fraud_msisdn", "payee_account"])
    transfers = Table("transfers", ["ts", "from_account", "to_account", "amount"])

    cells = ["4601%d-%05d" % (rng.randint(1, 3), rng.randint(0, 99999)) for _ in range(max(50, N // 60))]

    def id_hash():
        return "%016x" % rng.getrandbits(64)

    def add_sub(msisdn, imsi, status="active", channel=None, idh=None, act=None):
        act = act if act is not None else T0 - rng.randint(30, 3000) * DAY
        subs.add(msisdn=fmt_msisdn(msisdn, rng), imsi=imsi,
                 activated_at=("" if status == "stock" else fmt_ts(act, rng.choice(("local", "rfc", "epoch")))),
                 channel=channel or "GD-%s-%03d" % (rng.choice(("GZ", "SZ", "FS", "DG", "ZH")), rng.randint(1, 300)),
                 idh=None, id_hash=("" if status == "stock" else (idh or id_hash())), status=status)

    # ---------------------------------------------------------- SMS helpers
    def sms_row(t, direction, msisdn, peer, content, cat, node, keep_cat=None):
        r = rng.random()
        style = "local" if r < 0.4 else ("rfc" if r < 0.7 else ("epoch" if r < 0.9 else "rfcz"))
        # operators keep a category for some feeds and not for others
        if keep_cat is None:
            keep_cat = rng.random() < 0.55
        if content is not None and rng.random() < 0.05:
            content = None if keep_cat else content  # some feeds drop the text but keep category
        sms.add(_t=t, ts=fmt_ts(t, style), direction=direction, msisdn=fmt_msisdn(msisdn, rng),
                peer=peer, content=content, category=cat if keep_cat else "", delivery_node=node if direction == "MT" else "")

    def otp_sms(t, msisdn, svc_idx, node):
        name, peers, tpls = OTP_SERVICES[svc_idx]
        sms_row(t, "MT", msisdn, rng.choice(peers), fill(rng.choice(tpls), rng), "otp", node)

    def day_time(day, lo=7, hi=23):
        return T0 + day * DAY + rng.randint(lo * 3600, hi * 3600 - 1)

    people = []   # dict per live human subscriber

    # ---------------------------------------------------------- normal people
    n_busy = max(20, N // 100)
    n_iot = max(30, N * 3 // 100)
    n_stock = max(20, N // 50)
    n_lab = 20
    n_people = N - n_busy - n_iot - n_stock - n_lab
    n_chain_nums = 0
    if chain:
        n_chain_nums = max(120, N * 3 // 100)
        n_people -= n_chain_nums
    for i in range(n_people + n_busy):
        m = new_number()
        p = dict(msisdn=m, imsi=new_imsi(), imei=phone_imei(), cells=rng.sample(cells, 3),
                 volte=rng.random() < 0.35, busy=i >= n_people)
        add_sub(m, p["imsi"])
        people.append(p)
        if p["busy"]:
            H("msisdn", m, rng.choice(("shop_owner_many_otps", "delivery_rider_many_otps", "daigou_many_otps")))

    # families sharing a handset (SIM swapped in/out of one phone) and phone switchers
    for fam in range(max(5, N // 800)):
        members = rng.sample(people[:n_people], rng.randint(2, 3))
        shared = members[0]["imei"]
        for q in members[1:]:
            q["imei"] = shared
            q["shared_phone"] = True
        H("imei", shared, "family_shared_handset")
    for sw in rng.sample(people[:n_people], max(10, N // 400)):
        sw["new_imei"] = phone_imei()
        sw["switch_at"] = T0 + rng.randint(3600, DAYS * DAY - 3600)
        H("imei", sw["new_imei"], "new_phone_switch")
        H("imei", sw["imei"], "old_phone_switch")

    # operator test lab: one test handset cycling through 20 test SIMs during office hours
    lab_imei = imei_ok(rng.choice(listed_popular), rng)
    lab_cell = "46011-00001"
    lab_sims = []
    for k in range(n_lab):
        m = new_number()
        im = new_imsi()
        add_sub(m, im, channel="LAB-TEST", idh="0000000000000001")
        lab_sims.append((m, im))
        H("msisdn", m, "operator_test_sim")
    H("imei", lab_imei, "operator_test_lab_handset")
    for d in range(DAYS):
        t = T0 + d * DAY + 9 * 3600 + rng.randint(0, 1800)
        for m, im in rng.sample(lab_sims, len(lab_sims)):
            attach.add(_t=t, ts=t, imsi=im, msisdn=m, imei=lab_imei, cell_id=lab_cell)
            sms_row(t + 40, "MT", m, "10000", "【中国电信】测试短信 TEST%d 验证码123456 请忽略" % rng.randint(1, 999),
                    "notice", RADIO)
            calls.add(_t=t + 90, ts=t + 90, direction="MO", msisdn=fmt_msisdn(m, rng), peer="10000",
                      duration_s=rng.randint(5, 30), cell_id=lab_cell, imei=lab_imei)
            t += rng.randint(600, 1500)

    # IoT / M2M SIMs: silent, one module each; smart meters attach on the hour together
    iot_tac = rng.choice(module_tacs) if module_tacs else "35015700"
    iot_sims = []
    for k in range(n_iot):
        m = new_number(blocks[0])
        im = new_imsi()
        add_sub(m, im, channel="IOT-ENT-%02d" % (k % 5), idh="e%015x" % (k % 5))
        iot_sims.append((m, im, imei_ok(iot_tac, rng)))
        H("msisdn", m, "iot_m2m_silent")
    for m, im, ie in iot_sims[:20]:
        H("imei", ie, "iot_module_synchronized")
    for h in range(0, DAYS * 24, 6):
        for m, im, ie in iot_sims:
            t = T0 + h * 3600 + rng.randint(0, 20)
            attach.add(_t=t, ts=t, imsi=im, msisdn=fmt_msisdn(m, rng) if rng.random() < 0.5 else "", imei=ie,
                       cell_id="46011-%05d" % (int(m) % 7))
    for m, im, ie in iot_sims[:n_iot // 4]:
        sms_row(T0 + rng.randint(0, DAYS * DAY - 1), "MT", m, "10001",
                "【中国电信】尊敬的客户，您的物联网卡本月流量已使用80%。", "notice", RADIO)

    # stock numbers never sold, silent
    for k in range(n_stock):
        m = new_number()
        add_sub(m, new_imsi(), status="stock", channel="STOCK")
        H("msisdn", m, "stock_never_sold_silent")
    # a few cancelled numbers
    for p in rng.sample(people[:n_people], max(5, N // 2000)):
        pass

    # ---------------------------------------------------------- live people's activity
    for p in people:
        m = p["msisdn"]
        for d in range(DAYS):
            # attach / location updates
            for k in range(rng.randint(3, 8)):
                t = T0 + d * DAY + rng.randint(0, DAY - 1)
                ie = p["imei"]
                if p.get("switch_at") and t > p["switch_at"]:
                    ie = p["new_imei"]
                attach.add(_t=t, ts=fmt_ts(t, "local"), imsi=p["imsi"],
                           msisdn=fmt_msisdn(m, rng) if rng.random() < 0.6 else "",
                           imei=raw_imei_form(ie), cell_id=rng.choice(p["cells"]))
            # calls
            ncall = rng.randint(0, 7) + (rng.randint(15, 35) if p["busy"] else 0)
            for k in range(ncall):
                t = day_time(d)
                ie = p["new_imei"] if p.get("switch_at") and t > p["switch_at"] else p["imei"]
                if rng.random() < 0.45:
                    q = rng.choice(people)
                    dur = rng.choice((0, rng.randint(5, 900)))
                    cell = rng.choice(p["cells"])
                    calls.add(_t=t, ts=t, direction="MO", msisdn=fmt_msisdn(m, rng), peer=fmt_msisdn(q["msisdn"], rng),
                              duration_s=dur, cell_id=cell, imei=raw_imei_form(ie))
                    calls.add(_t=t, ts=t, direction="MT", msisdn=fmt_msisdn(q["msisdn"], rng), peer=fmt_msisdn(m, rng),
                              duration_s=dur, cell_id=rng.choice(q["cells"]), imei=q["imei"])
                else:
                    peer = ext_number()[2:] if rng.random() < 0.85 else rng.choice(("02087654321", "95588", "10000", "075588886666"))
                    calls.add(_t=t, ts=t, direction=rng.choice(("MO", "MT")), msisdn=fmt_msisdn(m, rng),
                              peer=peer, duration_s=rng.choice((0, rng.randint(3, 1200))),
                              cell_id=rng.choice(p["cells"]), imei=raw_imei_form(ie))
            node = IMS_GW if p["volte"] else RADIO
            # personal SMS
            for k in range(rng.randint(0, 3)):
                t = day_time(d)
                peer = rng.choice(people)["msisdn"][2:] if rng.random() < 0.5 else ext_number()[2:]
                sms_row(t, rng.choice(("MO", "MT")), m, peer, rng.choice(PERSONAL), "personal", node)
            # OTPs: ordinary people log in to 0-2 services a day; busy people to many
            nsvc = rng.choice((0, 0, 0, 1, 1, 2)) if not p["busy"] else rng.randint(6, 16)
            for s in rng.sample(range(len(OTP_SERVICES)), nsvc):
                t = day_time(d)
                for r in range(rng.choice((1, 1, 1, 2))):
                    otp_sms(t + r * 70, m, s, node)
            # notices (bank, parcel pickup codes), marketing
            for k in range(rng.choice((0, 1, 1, 2)) + (rng.randint(5, 12) if p["busy"] else 0)):
                peer, tpl = rng.choice(NOTICES)
                sms_row(day_time(d), "MT", m, peer, fill(tpl, rng), "notice", node)
            for k in range(rng.choice((0, 0, 1, 2))):
                peer, tpl = rng.choice(MARKETING)
                sms_row(day_time(d), "MT", m, peer, fill(tpl, rng), "marketing", node)
            if p["busy"]:
                for k in range(rng.randint(3, 10)):
                    sms_row(day_time(d), "MO", m, ext_number()[2:], rng.choice(PERSONAL), "personal", node)

    # marketing blast: one 1069 code to a large share of the base within an hour
    blast_code = "1069088123"
    for p in rng.sample(people, len(people) // 3):
        t = T0 + 10 * 3600 + rng.randint(0, 3600)
        sms_row(t, "MT", p["msisdn"], blast_code,
                "【某银行信用卡】尊敬的客户，您的专属分期优惠已到账，最低0.25%%起，回T退订。", "marketing", RADIO)

    # ---------------------------------------------------------- platform sign-ups (normal)
    cgnat_ips = [rand_ip(rng, cidrs["cn"]) for _ in range(4)]
    campus_ip = rand_ip(rng, cidrs["cn"])
    corp_ip = rand_ip(rng, cidrs["cn"])
    for ip in cgnat_ips:
        H("ip", ip, "mobile_cgnat_many_signups")
    H("ip", campus_ip, "campus_nat_signup_burst")
    H("ip", corp_ip, "corporate_nat_signups")
    platforms = ["wechat", "alipay", "taobao", "douyin", "qq", "meituan", "pinduoduo", "xiaohongshu"]

    def platform_device(p):
        r = rng.random()
        if r < 0.4:
            return raw_imei_form(p["imei"])
        if r < 0.7:
            return "%016x" % rng.getrandbits(64)   # Android ID
        return "%08X-%04X-%04X-%04X-%012X" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(16),
                                               rng.getrandbits(16), rng.getrandbits(48))  # iOS IDFV

    acct_seq = [0]

    def account_id(platform):
        acct_seq[0] += 1
        if platform == "wechat":
            return "wxid_" + rand_alnum(rng, 14)
        if platform == "qq":
            return str(rng.randint(10 ** 8, 4 * 10 ** 9))
        if platform == "alipay":
            return "2088" + "%012d" % rng.randint(0, 10 ** 12 - 1)
        return "%s_%d%s" % (platform, acct_seq[0], rand_alnum(rng, 4))

    def signup(p, t, ip, platform=None):
        platform = platform or rng.choice(platforms)
        svc = {"wechat": 0, "qq": 1, "alipay": 2, "taobao": 3, "meituan": 5, "douyin": 6, "pinduoduo": 8,
               "xiaohongshu": 14}[platform]
        otp_sms(t - rng.randint(20, 90), p["msisdn"], svc, IMS_GW if p["volte"] else RADIO)
        regs.add(_t=t, ts=fmt_ts(t, "rfcz"), platform=platform, account_id=account_id(platform),
                 msisdn=fmt_msisdn(p["msisdn"], rng), device_id=platform_device(p), ip=ip)

    for d in range(DAYS):
        for p in rng.sample(people, len(people) // 40):
            r = rng.random()
            ip = rng.choice(cgnat_ips) if r < 0.5 else rand_ip(rng, cidrs["cn"])
            signup(p, day_time(d), ip)
        # corporate NAT: staff sign up to the company's tools during office hours
        for p in rng.sample(people, 25):
            signup(p, T0 + d * DAY + rng.randint(9 * 3600, 18 * 3600), corp_ip, rng.choice(("wechat", "alipay", "qq")))
    # campus: freshmen orientation, 50 students sign up to wechat within an hour from one NAT address
    tb = T0 + DAY + 14 * 3600
    for p in rng.sample(people[:n_people], 50):
        signup(p, tb + rng.randint(0, 3600), campus_ip, "wechat")

    # ---------------------------------------------------------- the chain
    ROGUE = "10.18.3.77"
    JUMP = rand_ip(rng, cidrs[rng.choice(("us", "sg", "jp", "nl"))])
    INSIDER = "liu_wg"
    proxies = []
    sinks = []
    bulk_accounts = []
    farm_imeis = []
    if chain:
        T("ip", ROGUE, "rogue_host")
        T("ip", JUMP, "jump_host")
        T("user", INSIDER, "insider")
        # leaked pool: contiguous runs inside two 7-digit blocks, stock numbers included
        leak_blocks = ["%s%04d" % (rng.choice(TELECOM_PREFIXES), rng.randint(0, 9999)) for _ in range(2)]
        n_farm = 3 * 24
        n_leak = n_chain_nums - n_farm
        pool = []
        per = n_leak // 2
        for bi, b in enumerate([] if sparse else leak_blocks):
            start = rng.randint(0, 9999 - per - 10)
            for k in range(per if bi == 0 else n_leak - per):
                m = "86" + b + "%04d" % (start + k)
                if m in used:
                    continue
                used.add(m)
                pool.append(m)
        if sparse:
            pool = [new_number() for _ in range(n_leak)]
        dealer_hash = id_hash()
        for m in pool:
            r = rng.random()
            kind = "stock" if r < 0.45 else ("dealer" if r < 0.9 else "live")
            if kind == "stock":
                add_sub(m, new_imsi(), status="stock", channel="STOCK")
            elif kind == "dealer":
                add_sub(m, new_imsi(), channel="GD-JM-%03d" % rng.randint(1, 3), idh=dealer_hash if rng.random() < 0.6 else None,
                        act=T0 - rng.randint(5, 60) * DAY)
            else:
                # a real person's number whose codes are also copied by the rogue server
                p = dict(msisdn=m, imsi=new_imsi(), imei=phone_imei(), cells=rng.sample(cells, 3), volte=False, busy=False)
                add_sub(m, p["imsi"])
                for d in range(DAYS):
                    for k in range(rng.randint(3, 6)):
                        t = T0 + d * DAY + rng.randint(0, DAY - 1)
                        attach.add(_t=t, ts=fmt_ts(t, "local"), imsi=p["imsi"], msisdn="", imei=p["imei"],
                                   cell_id=rng.choice(p["cells"]))
                    for k in range(rng.randint(1, 5)):
                        t = day_time(d)
                        calls.add(_t=t, ts=t, direction=rng.choice(("MO", "MT")), msisdn=fmt_msisdn(m, rng),
                                  peer=ext_number()[2:], duration_s=rng.randint(0, 600), cell_id=p["cells"][0],
                                  imei=p["imei"])
            sinks.append((m, kind))
            T("msisdn", m, "otp_sink")
        # SIM farms: modem pools of 24 SIMs behind one modem IMEI each, same cell, attach in lockstep
        farm_sims = []
        for f in range(3):
            tac = rng.choice((rng.choice(module_tacs) if module_tacs else "35015700", "86%06d" % rng.randint(0, 999999)))
            fimei = imei_ok(tac, rng)
            farm_imeis.append(fimei)
            T("imei", fimei, "sim_farm")
            fcell = rng.choice(cells)
            fs = []
            for k in range(24):
                m = new_number()
                im = new_imsi()
                add_sub(m, im, channel="GD-JM-%03d" % rng.randint(1, 3), idh=dealer_hash, act=T0 - rng.randint(5, 40) * DAY)
                fs.append((m, im))
                T("msisdn", m, "otp_sink")
                sinks.append((m, "farm"))
            for c in range(0, DAYS * DAY, 1800):   # the pool cycles every 30 min
                base = T0 + c + rng.randint(0, 60)
                for j, (m, im) in enumerate(fs):
                    t = base + j * rng.randint(1, 3)
                    attach.add(_t=t, ts=fmt_ts(t, "local"), imsi=im, msisdn=fmt_msisdn(m, rng), imei=raw_imei_form(fimei),
                               cell_id=fcell)
            farm_sims.append((fimei, fcell, fs))
        # proxies the gang registers through (IDC addresses, one abroad)
        proxies = [rand_ip(rng, cidrs["cn"]) for _ in range(3)] + [rand_ip(rng, cidrs["hk"])]
        for ip in proxies:
            T("ip", ip, "proxy_ip")

        sink_set = set(m for m, k in sinks)
        otp_node = {}
        farm_of = {}
        for fimei, fcell, fs in farm_sims:
            for m, im in fs:
                farm_of[m] = (fimei, fcell)

        def sink_otp(t, m, s):
            if m in farm_of:
                node = RADIO
            else:
                r = rng.random()
                node = ROGUE if r < 0.78 else ("" if r < 0.93 else RADIO)
                if sparse:
                    node = "" if r < 0.93 else RADIO
            otp_sms(t, m, s, node)

        # background code traffic: each sink number is rented out to many services
        for m, kind in sinks:
            intensity = rng.choice((2, 4, 6, 8, 12, 18, 25))
            for d in range(DAYS):
                for s in rng.sample(range(len(OTP_SERVICES)), min(len(OTP_SERVICES), max(1, int(rng.gauss(intensity, 2))))):
                    t = T0 + d * DAY + rng.randint(0, DAY - 1)
                    sink_otp(t, m, s)
                if kind == "farm" and rng.random() < 0.3:
                    # farm SIMs send an occasional MO SMS (verification reply "0000" to a service)
                    sms_row(T0 + d * DAY + rng.randint(0, DAY - 1), "MO", m, "10690" + "%05d" % rng.randint(0, 99999),
                            "KT", "personal", "")

        # bulk registration sessions: bursts of 20-60 sign-ups from one proxy, device id forged per sign-up
        def forged_imei():
            r = rng.random()
            if r < 0.45:
                raw = imei_bad("%08d" % rng.randint(0, 99999999), rng)
            elif r < 0.7:
                while True:
                    t = "%08d" % rng.randint(10000000, 99999999)
                    if t not in tacdb:
                        break
                raw = imei_ok(t, rng)
            else:
                raw = imei_ok(rng.choice(listed_popular), rng)
            if rng.random() < 0.1:
                raw = raw[:14]   # some tools print 14 digits
            elif hard and rng.random() < 0.15:
                raw = raw[:14] + "%02d" % rng.randint(0, 99)   # IMEISV
            return raw

        regs_pool = [m for m, k in sinks]
        rng.shuffle(regs_pool)
        idx = 0
        used_platform = {}
        while idx < int(len(regs_pool) * 0.85):
            n = rng.randint(20, 60)
            batch = regs_pool[idx: idx + n]
            idx += n
            ip = rng.choice(proxies)
            d = rng.randrange(DAYS)
            t = T0 + d * DAY + rng.choice((rng.randint(0, 6), rng.randint(19, 23))) * 3600 + rng.randint(0, 1800)
            plat = rng.choice(("wechat", "wechat", "wechat", "qq", "douyin", "alipay"))
            for m in batch:
                t += rng.randint(15, 75)
                svc = {"wechat": 0, "qq": 1, "douyin": 6, "alipay": 2}[plat]
                sink_otp(t - rng.randint(10, 40), m, svc)
                raw = forged_imei()
                acc = account_id(plat)
                regs.add(_t=t, ts=fmt_ts(t, "rfcz"), platform=plat, account_id=acc, msisdn=fmt_msisdn(m, rng),
                         device_id=raw, ip=ip)
                T("imei", canon_imei(raw), "tampered_imei")
                T("account", acc, "bulk_account")
                bulk_accounts.append((acc, m, plat, t))

        # rogue host, jump host, insider
        for c in range(T0 - DAY, T1, 300):          # beacon every ~5 min through the foreign host
            t = c + rng.randint(-4, 4)
            flows.add(_t=t, ts_start=t, ts_end=t + rng.randint(1, 3), src_ip=ROGUE, dst_ip=JUMP,
                      src_port=rng.randint(40000, 60000), dst_port=443, proto="tcp", bytes=rng.randint(900, 1400),
                      packets=rng.randint(8, 12))
        for c in range(T0 - DAY, T1, 3600):         # long-lived tunnel, re-established hourly, carrying the codes
            flows.add(_t=c, ts_start=c, ts_end=c + 3590, src_ip=JUMP, dst_ip=ROGUE, src_port=rng.randint(40000, 60000),
                      dst_port=22, proto="tcp", bytes=rng.randint(2_000_000, 30_000_000), packets=rng.randint(5000, 40000))
            for s in SMSC:
                flows.add(_t=c, ts_start=c + 5, ts_end=c + 3595, src_ip=ROGUE, dst_ip=s, src_port=rng.randint(40000, 60000),
                          dst_port=2775, proto="tcp", bytes=rng.randint(500_000, 5_000_000), packets=rng.randint(2000, 9000))
        for d in range(-1, DAYS):
            base = T0 + d * DAY
            # day job from the office PC
            office = "10.30.%d.%d" % (rng.randint(0, 3), rng.randint(2, 250))
            audit.add(_t=base + 9 * 3600, ts=base + 9 * 3600 + rng.randint(0, 900), user=INSIDER, action="login",
                      object="oss_portal", record_count="", src_ip=office)
            for k in range(rng.randint(3, 8)):
                t = base + rng.randint(9 * 3600, 18 * 3600)
                audit.add(_t=t, ts=t, user=INSIDER, action="query", object=rng.choice(("alarm_list", "cell_kpi", "sms_route")),
                          record_count=rng.randint(1, 300), src_ip=office)
            # night: pulls the number pool through the rogue VM
            for k in range(rng.randint(2, 4)):
                t = base + rng.randint(1 * 3600, 4 * 3600)
                audit.add(_t=t, ts=t, user=INSIDER, action=rng.choice(("export", "query")), object="number_pool",
                          record_count=rng.randint(50_000, 400_000), src_ip=ROGUE)
        t = T0 - DAY + 2 * 3600 + 600
        audit.add(_t=t, ts=t, user=INSIDER, action="create_host", object="vm:cloud-nm-07 10.18.3.77", record_count="", src_ip="10.30.1.15")
        audit.add(_t=t + 900, ts=t + 900, user=INSIDER, action="modify", object="sms_route", record_count=2, src_ip=ROGUE)
        # insider logs into the rogue host from his office PC now and then
        for d in range(DAYS):
            t = T0 + d * DAY + rng.randint(20 * 3600, 23 * 3600)
            flows.add(_t=t, ts_start=t, ts_end=t + rng.randint(600, 3000), src_ip="10.30.1.15", dst_ip=ROGUE,
                      src_port=rng.randint(40000, 60000), dst_port=22, proto="tcp", bytes=rng.randint(50_000, 900_000),
                      packets=rng.randint(100, 900))

    # ---------------------------------------------------------- operator network (normal + hard negatives)
    inv = [("10.18.1.10", "smsc-gz-01", "chen_y", "smsc", "signalling"),
           ("10.18.1.11", "smsc-gz-02", "chen_y", "smsc", "signalling"),
           ("10.18.1.12", "smsc-sz-01", "chen_y", "smsc", "signalling"),
           (IMS_GW, "ipsmgw-01", "chen_y", "ipsmgw", "signalling"),
           ("10.18.2.40", "hss-01", "wu_h", "hss", "signalling"),
           ("10.18.3.10", "oss-app-01", "liu_wg", "oss", "mgmt"),
           ("10.18.3.11", "oss-db-01", "zhang_dba", "db", "mgmt"),
           ("10.18.3.20", "billing-etl-01", "billing_batch", "billing", "mgmt"),
           ("10.18.3.30", "jump-01", "ops_admin", "jump", "mgmt"),
           ("10.18.3.40", "nms-01", "ops_admin", "nms", "mgmt"),
           ("10.18.3.50", "vpn-gw-01", "ops_admin", "vpn", "mgmt"),
           ("10.18.4.0/24", "lab-net", "lab_team", "lab", "mgmt"),
           ("10.30.0.0/16", "office-dhcp", "it_desk", "office", "office")]
    for ip, hn, ow, role, net in inv:
        assets.add(ip=ip, hostname=hn, owner=ow, role=role, network=net)
    H("ip", "10.18.3.50", "vpn_gateway_foreign_peer")
    H("ip", "10.18.4.23", "lab_host_in_inventory_cidr")
    vpn_peer = rand_ip(rng, cidrs["hk"])
    H("ip", vpn_peer, "vpn_partner_foreign_peer")
    cdn_ips = [rand_ip(rng, cidrs["us"]) for _ in range(5)]
    for ip in cdn_ips:
        H("ip", ip, "vendor_update_foreign")
    internal = [x[0] for x in inv if "/" not in x[0]]
    for c in range(T0 - DAY, T1, 300):
        # NMS polls everything every 5 minutes
        for dst in internal:
            if dst == "10.18.3.40":
                continue
            t = c + rng.randint(0, 5)
            flows.add(_t=t, ts_start=t, ts_end=t + 1, src_ip="10.18.3.40", dst_ip=dst, src_port=rng.randint(40000, 60000),
                      dst_port=161, proto="udp", bytes=rng.randint(300, 3000), packets=rng.randint(2, 10))
        # IPsec DPD keepalive to the partner every 5 minutes, as regular as a beacon
        flows.add(_t=c, ts_start=c, ts_end=c + 300, src_ip="10.18.3.50", dst_ip=vpn_peer, src_port=500, dst_port=500,
                  proto="udp", bytes=rng.randint(100_000, 4_000_000), packets=rng.randint(300, 3000))
        # SMSC <-> IP-SM-GW, SMSC <-> HSS signalling
        for s in SMSC:
            flows.add(_t=c, ts_start=c, ts_end=c + 299, src_ip=s, dst_ip=rng.choice((IMS_GW, "10.18.2.40")),
                      src_port=2905, dst_port=2905, proto="sctp", bytes=rng.randint(200_000, 2_000_000),
                      packets=rng.randint(1000, 9000))
        # lab host (inside inventoried CIDR) tests against the SMSC
        if rng.random() < 0.3:
            flows.add(_t=c, ts_start=c, ts_end=c + 120, src_ip="10.18.4.23", dst_ip=SMSC[0], src_port=rng.randint(40000, 60000),
                      dst_port=2775, proto="tcp", bytes=rng.randint(10_000, 200_000), packets=rng.randint(50, 500))
    for d in range(-1, DAYS):
        for k in range(6):
            t = T0 + d * DAY + rng.randint(0, DAY)
            flows.add(_t=t, ts_start=t, ts_end=t + rng.randint(5, 120), src_ip=rng.choice(internal), dst_ip=rng.choice(cdn_ips),
                      src_port=rng.randint(40000, 60000), dst_port=443, proto="tcp", bytes=rng.randint(10_000, 80_000_000),
                      packets=rng.randint(20, 60000))
        for k in range(20):  # engineers' laptops (office DHCP, inventoried as CIDR) ssh to jump host
            t = T0 + d * DAY + rng.randint(9 * 3600, 19 * 3600)
            flows.add(_t=t, ts_start=t, ts_end=t + rng.randint(60, 5000), src_ip="10.30.%d.%d" % (rng.randint(0, 9), rng.randint(2, 250)),
                      dst_ip="10.18.3.30", src_port=rng.randint(40000, 60000), dst_port=22, proto="tcp",
                      bytes=rng.randint(10_000, 5_000_000), packets=rng.randint(50, 5000))

    # audit: staff, billing nightly export, DBA, maintenance window host creation
    staff = ["chen_y", "wu_h", "zhang_dba", "ops_admin", "lab_team"] + ["op_%03d" % k for k in range(25)]
    for d in range(-1, DAYS):
        base = T0 + d * DAY
        for u in staff:
            ip = "10.30.%d.%d" % (rng.randint(0, 9), rng.randint(2, 250))
            audit.add(_t=base + 9 * 3600, ts=base + rng.randint(8 * 3600, 10 * 3600), user=u, action="login",
                      object="oss_portal", record_count="", src_ip=ip)
            for k in range(rng.randint(2, 12)):
                t = base + rng.randint(9 * 3600, 19 * 3600)
                audit.add(_t=t, ts=t, user=u, action=rng.choice(("query", "query", "query", "modify", "provision")),
                          object=rng.choice(("subscriber", "number_pool", "cell_kpi", "sms_route", "alarm_list")),
                          record_count=rng.randint(1, 500), src_ip=ip)
        t = base + 2 * 3600 + rng.randint(0, 120)
        audit.add(_t=t, ts=t, user="billing_batch", action="export", object="subscriber_cdr", record_count=rng.randint(2_000_000, 3_000_000),
                  src_ip="10.18.3.20")
        t = base + 2 * 3600 + 1800
        audit.add(_t=t, ts=t, user="billing_batch", action="export", object="number_pool", record_count=rng.randint(900_000, 1_100_000),
                  src_ip="10.18.3.20")
        t = base + rng.randint(14 * 3600, 16 * 3600)
        audit.add(_t=t, ts=t, user="zhang_dba", action="export", object="number_pool", record_count=rng.randint(100_000, 300_000),
                  src_ip="10.18.3.11")
    t = T0 + 3600 + 1200
    audit.add(_t=t, ts=t, user="ops_admin", action="create_host", object="vm:oss-app-02 (CR-20251012-0417)", record_count="",
              src_ip="10.18.3.30")
    for u in ("billing_batch", "zhang_dba", "ops_admin"):
        H("user", u, {"billing_batch": "legit_nightly_bulk_export", "zhang_dba": "legit_daytime_export",
                      "ops_admin": "maintenance_window_create_host"}[u])

    # ---------------------------------------------------------- cases and money
    def bank_acct():
        return "62" + rng.choice(("22", "17", "28", "14", "25")) + "%015d" % rng.randint(0, 10 ** 15 - 1)

    case_seq = [rng.randint(100000, 800000)]

    def new_case_id():
        case_seq[0] += rng.randint(1, 97)
        return "JJ2025%06d" % case_seq[0]

    def launder(payee, amount, t, mules_l2, cash_out):
        # payee splits into 2-3 layer-2 mules within minutes; those cash out later
        parts = rng.randint(2, 3)
        left = amount
        tt = t
        for k in range(parts):
            share = left if k == parts - 1 else round(amount / parts * rng.uniform(0.8, 1.1), 2)
            left = round(left - share, 2)
            tt += rng.randint(60, 900)
            l2 = rng.choice(mules_l2)
            transfers.add(_t=tt, ts=fmt_ts(tt, "rfc"), from_account=payee, to_account=l2, amount=fmt_amount(share))
            t3 = tt + rng.randint(600, 7200)
            transfers.add(_t=t3, ts=fmt_ts(t3, "rfc"), from_account=l2, to_account=rng.choice(cash_out),
                          amount=fmt_amount(round(share * 0.98, 2)))

    def fmt_amount(v):
        r = rng.random()
        if r < 0.4 and v == int(v):
            return str(int(v))
        return "%.2f" % v

    # normal bank background
    bank_people = {p["msisdn"]: bank_acct() for p in people}
    accts = list(bank_people.values())
    for k in range(len(people) // 4):
        t = T0 + rng.randint(0, DAYS * DAY - 1)
        transfers.add(_t=t, ts=fmt_ts(t, "rfc"), from_account=rng.choice(accts), to_account=rng.choice(accts),
                      amount=fmt_amount(round(rng.uniform(5, 5000), rng.choice((0, 2)))))
    # payroll: one company account pays 150 employees within minutes
    payroll = bank_acct()
    H("account", payroll, "payroll_fan_out")
    t = T0 + DAY + 10 * 3600
    for a_ in rng.sample(accts, 150):
        t += rng.randint(1, 10)
        transfers.add(_t=t, ts=fmt_ts(t, "rfc"), from_account=payroll, to_account=a_, amount=fmt_amount(rng.randint(5000, 25000)))
    # a merchant: many customers pay in, one supplier payout
    merchant = bank_acct()
    H("account", merchant, "merchant_fan_in")
    tot = 0
    for k in range(120):
        t = T0 + rng.randint(0, DAYS * DAY - 1)
        v = round(rng.uniform(20, 900), 2)
        tot += v
        transfers.add(_t=t, ts=fmt_ts(t, "rfc"), from_account=rng.choice(accts), to_account=merchant, amount=fmt_amount(v))
    t = T1 - 3600
    transfers.add(_t=t, ts=fmt_ts(t, "rfc"), from_account=merchant, to_account=bank_acct(), amount=fmt_amount(round(tot * 0.9, 2)))
    # someone buying a car: one big transfer that looks like a loss
    car_buyer = rng.choice(accts)
    dealer = bank_acct()
    H("account", dealer, "car_dealer_big_payment")
    t = T0 + DAY + 15 * 3600
    transfers.add(_t=t, ts=fmt_ts(t, "rfc"), from_account=car_buyer, to_account=dealer, amount="150000.00")

    fraud_types = ("impersonate_boss", "impersonate_boss", "impersonate_boss", "investment", "customer_service", "loan")
    if chain and bulk_accounts:
        mules_l1 = [bank_acct() for _ in range(6)]
        mules_l2 = [bank_acct() for _ in range(8)]
        cash_out = [bank_acct() for _ in range(3)]
        for a_ in mules_l1 + mules_l2 + cash_out:
            T("account", a_, "mule")
        n_cases = max(12, N // 700)
        used_acc = rng.sample(bulk_accounts, min(n_cases, len(bulk_accounts)))
        for acc, m, plat, treg in used_acc:
            victim = rng.choice(people)
            loss = rng.choice((150000, 30000, 58000, 8800, 200000, 96000, rng.randint(3000, 250000)))
            tcase = treg + rng.randint(3 * 3600, 4 * DAY)
            tpay = tcase - rng.randint(3600, 20 * 3600)
            tpay = max(tpay, treg + 1800)
            payee = rng.choice(mules_l1)
            transfers.add(_t=tpay, ts=fmt_ts(tpay, "rfc"), from_account=bank_people[victim["msisdn"]], to_account=payee,
                          amount=fmt_amount(float(loss)))
            launder(payee, float(loss), tpay, mules_l2, cash_out)
            cid = new_case_id()
            T("case", cid, "linked_case")
            r = rng.random()
            cases.add(_t=tcase, case_id=cid, reported_at=fmt_ts(tcase, rng.choice(("local", "rfc"))),
                      victim_msisdn=fmt_msisdn(victim["msisdn"], rng), loss=fmt_amount(float(loss)),
                      fraud_type=rng.choice(fraud_types), channel=plat if plat in ("wechat", "qq", "douyin") else "app",
                      fraud_account=acc if r < 0.9 else "", fraud_msisdn=fmt_msisdn(m, rng) if rng.random() < 0.45 else "",
                      payee_account=payee if (rng.random() < 0.85 or r >= 0.9) else "")
    # an unrelated gang: its own accounts, foreign numbers, its own mules; must not join the chain
    og_mules = [bank_acct() for _ in range(3)]
    og_l2 = [bank_acct() for _ in range(3)]
    og_cash = [bank_acct()]
    for a_ in og_mules + og_l2 + og_cash:
        T("account", a_, "mule")
    for k in range(max(6, N // 2500)):
        victim = rng.choice(people)
        loss = rng.randint(5000, 120000)
        tcase = T0 + rng.randint(DAY // 2, DAYS * DAY + DAY)
        tpay = tcase - rng.randint(3600, 10 * 3600)
        payee = rng.choice(og_mules)
        transfers.add(_t=tpay, ts=fmt_ts(tpay, "rfc"), from_account=bank_people[victim["msisdn"]], to_account=payee,
                      amount=fmt_amount(float(loss)))
        launder(payee, float(loss), tpay, og_l2, og_cash)
        cid = new_case_id()
        T("case", cid, "other_gang_case")
        acc = "wxid_" + rand_alnum(rng, 14) if rng.random() < 0.6 else ""  # bought long ago, not in today's sign-ups
        if acc:
            T("account", acc, "other_gang_account")
        fm = "+855" + "%08d" % rng.randint(10 ** 7, 10 ** 8 - 1) if rng.random() < 0.5 else "+63" + "9%09d" % rng.randint(0, 10 ** 9 - 1)
        T("msisdn", fm.lstrip("+"), "other_gang_msisdn")
        cases.add(_t=tcase, case_id=cid, reported_at=fmt_ts(tcase, "local"), victim_msisdn=fmt_msisdn(victim["msisdn"], rng),
                  loss=fmt_amount(float(loss)), fraud_type=rng.choice(("investment", "customer_service", "romance")),
                  channel=rng.choice(("call", "wechat", "sms")), fraud_account=acc,
                  fraud_msisdn=fm, payee_account=payee)
        # the victim was also called from the gang's foreign number
        calls.add(_t=tpay - 1800, ts=tpay - 1800, direction="MT", msisdn=fmt_msisdn(victim["msisdn"], rng), peer=fm,
                  duration_s=rng.randint(300, 2400), cell_id=victim["cells"][0], imei=victim["imei"])

    # ---------------------------------------------------------- write
    subs.write(a.out, "csv")
    if hard:
        for r in attach.rows:
            r["msisdn"] = ""
        for r in flows.rows:
            r["ts_start"] = fmt_ts(r["ts_start"], "rfcz")
            r["ts_end"] = fmt_ts(r["ts_end"], "rfcz")
    sms.write(a.out, ["csv", "csv.gz", "csv", "ndjson"] if hard else ["csv", "csv.gz", "csv", "csv.gz"], rng=rng, parts=4)
    calls.write(a.out, "ndjson", rng=rng)
    attach.write(a.out, "csv.gz", rng=rng)
    regs.write(a.out, "ndjson", rng=rng)
    flows.write(a.out, "csv", rng=rng)
    assets.write(a.out, "csv")
    audit.write(a.out, "csv", rng=rng)
    cases.write(a.out, "csv", rng=rng)
    for r in transfers.rows:   # NDJSON: amounts sometimes as JSON numbers, sometimes as strings
        if rng.random() < 0.5:
            v = float(r["amount"])
            r["amount"] = int(v) if v == int(v) else v
    transfers.write(a.out, "ndjson", rng=rng)
    with open(os.path.join(a.out, "truth.csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(("entity_type", "entity_id", "label"))
        seen = set()
        for r in truth:
            if (r[0], r[1]) not in seen:
                seen.add((r[0], r[1]))
                w.writerow(r)
    with open(os.path.join(a.out, "hard_negatives.csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(("entity_type", "entity_id", "kind"))
        tk = set((r[0], r[1]) for r in truth)
        seen = set()
        for r in hneg:
            if (r[0], r[1]) not in tk and (r[0], r[1]) not in seen:
                seen.add((r[0], r[1]))
                w.writerow(r)
    print("wrote %s: %d subscribers, %d sms, %d calls, %d attach, %d registrations, %d flows, %d audit, %d cases, "
          "%d transfers, %d truth rows" % (a.out, len(subs.rows), len(sms.rows), len(calls.rows), len(attach.rows),
                                          len(regs.rows), len(flows.rows), len(audit.rows), len(cases.rows),
                                          len(transfers.rows), len(truth)))


if __name__ == "__main__":
    main()
