#!/usr/bin/env python3
"""altworld4: an independent operator world for duanka's input contract (SCHEMA.md v1.1).

Written from the contract and the seed story only. Standard library only.

    python3 gen.py VARIANT OUTDIR [--subs N] [--seed S]

VARIANT is one of: ranges, selfreg, all, clean, clean-ranges (see README.md).

The background (subscribers, their traffic, the network's own hosts and staff) is drawn
from one random stream that does not depend on the variant, so the five worlds share
the same normal population; the chain and the inventory's range rows are drawn on top.
"""

import argparse
import csv
import gzip
import ipaddress
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.normpath(os.path.join(HERE, "..", "..", "data", "reference"))

VARIANTS = ("ranges", "selfreg", "all", "clean", "clean-ranges")

CST = timezone(timedelta(hours=8))
START = datetime(2025, 11, 4, 0, 0, 0, tzinfo=CST)  # a Tuesday, local midnight
DAYS = 2
T0 = int(START.timestamp())
T1 = T0 + DAYS * 86400

# Human rhythm, local hour -> relative weight (sleep, commute, lunch dip, evening peak).
HUMAN = [0.35, 0.18, 0.1, 0.07, 0.07, 0.14, 0.45, 1.1, 1.9, 2.4, 2.6, 2.5,
         2.0, 1.9, 2.3, 2.4, 2.3, 2.2, 2.1, 2.3, 2.6, 2.7, 1.9, 0.9]
# Office staff (08:30-18:00 with a lunch break).
OFFICE = [0, 0, 0, 0, 0, 0, 0, 0.05, 1.2, 2.5, 2.6, 2.0, 0.4, 0.8, 2.4, 2.5, 2.2, 1.3,
          0.3, 0.05, 0.02, 0, 0, 0]


# ---------------------------------------------------------------- helpers

def luhn_digit(body14):
    s = 0
    for i, ch in enumerate(reversed(body14)):
        d = int(ch)
        if i % 2 == 0:  # rightmost digit of the body is doubled
            d *= 2
            if d > 9:
                d -= 9
        s += d
    return str((10 - s % 10) % 10)


def imei(tac, serial6):
    body = tac + serial6
    return body + luhn_digit(body)


def pick_hour(rng, weights, day):
    h = rng.choices(range(24), weights)[0]
    return T0 + day * 86400 + h * 3600 + rng.randrange(3600)


def ts_rfc_cst(t):
    return datetime.fromtimestamp(t, CST).isoformat()


def ts_rfc_utc(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ts_local(t):
    return datetime.fromtimestamp(t, CST).strftime("%Y-%m-%d %H:%M:%S")


def poisson(rng, lam):
    # Knuth; lam is small everywhere here
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(rng.gauss(lam, lam ** 0.5)))
    L = pow(2.718281828459045, -lam)
    k, p = 0, 1.0
    while True:
        p *= rng.random()
        if p <= L:
            return k
        k += 1


def rand_ip_in(rng, cidr):
    net = ipaddress.ip_network(cidr)
    if net.num_addresses <= 2:
        return str(net.network_address)
    return str(net.network_address + rng.randrange(1, net.num_addresses - 1))


def load_cidrs(cc):
    with open(os.path.join(REF, "country-ip-blocks-ipv4", cc + ".cidr")) as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


def load_tacs():
    rows = []
    with open(os.path.join(REF, "osmocom-tacdb.csv"), encoding="utf-8") as f:
        f.readline()
        for rec in csv.reader(f):
            if len(rec) >= 3 and len(rec[0]) == 8 and rec[0].isdigit():
                rows.append((rec[0], rec[1], rec[2]))
    return rows


def load_segments():
    """7-digit prefixes of China Telecom segments in Guizhou, with their city."""
    carriers = {}
    with open(os.path.join(REF, "libphonenumber-carrier-zh-86.txt"), encoding="utf-8") as f:
        for l in f:
            if "|" in l and not l.startswith("#"):
                p, c = l.strip().split("|", 1)
                carriers[p[2:]] = c
    out = []
    with open(os.path.join(REF, "libphonenumber-geocoding-zh-86.txt"), encoding="utf-8") as f:
        for l in f:
            if "|" not in l or l.startswith("#"):
                continue
            p, place = l.strip().split("|", 1)
            p = p[2:]
            if not place.startswith("贵州省"):
                continue
            if carriers.get(p[:3]) != "中国电信":
                continue
            city = place[3:]
            if len(p) == 7:
                out.append((p, city))
            elif len(p) == 6:
                out.extend((p + str(d), city) for d in range(10))
    return sorted(set(out))


class Writer:
    """CSV writer with the header taken from the first row's keys order."""

    def __init__(self, path, cols, gz=False):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.f = gzip.open(path, "wt", encoding="utf-8", newline="") if gz else \
            open(path, "w", encoding="utf-8", newline="")
        self.w = csv.writer(self.f)
        self.w.writerow(cols)
        self.n = 0

    def row(self, *vals):
        self.w.writerow(vals)
        self.n += 1

    def close(self):
        self.f.close()


# ---------------------------------------------------------------- services

# (service code, brand shown in the text, share of sign-in codes among normal users)
OTP_SERVICES = [
    ("1069070069", "腾讯科技", 10), ("95188", "支付宝", 9), ("106980095188", "淘宝网", 8),
    ("1069018836", "京东", 5), ("10690999666", "美团", 5), ("106911112222", "抖音", 6),
    ("1069055512306", "铁路12306", 2), ("95588", "工商银行", 3), ("95533", "建设银行", 3),
    ("95599", "农业银行", 2), ("95555", "招商银行", 2), ("1069011000", "拼多多", 5),
    ("10690366", "滴滴出行", 3), ("106980096166", "携程", 1), ("1069009510", "快手", 3),
    ("10690550", "小红书", 2), ("106906600", "哔哩哔哩", 1), ("1069029000", "饿了么", 2),
    ("12328", "贵州人社", 1), ("1069044444", "国家政务服务平台", 1),
    ("1069088866", "闲鱼", 2), ("1069035118", "百度", 1), ("106901118", "网易", 1),
    ("10690100", "微博", 1), ("106920000", "陌陌", 1), ("1069066669", "探探", 1),
    ("1069012580", "中国邮政", 1), ("106906100", "顺丰速运", 1), ("1069070010", "QQ", 2),
    ("1069028282", "得物", 1), ("106930000", "唯品会", 1), ("106912306", "哈啰出行", 1),
]
WECHAT_CODE = "1069070069"
NOTICE_SENDERS = ["10001", "95588", "95533", "10690051", "106550200", "95555", "12345",
                  "106575", "95598", "10690999"]
MARKETING_SENDERS = ["106550101", "1069081888", "10690777", "106980001", "106590210",
                     "1065902", "10690888666"]


def otp_text(brand, code, rng, wechat_signup=False):
    if wechat_signup:
        return f"【{brand}】{code}（微信注册验证码）。工作人员不会向你索要，请勿向任何人泄露。"
    forms = [f"【{brand}】验证码{code}，5分钟内有效，请勿泄露给他人。",
             f"【{brand}】您的登录验证码为：{code}，如非本人操作请忽略。",
             f"【{brand}】{code}是您的动态码，10分钟内有效。",
             f"【{brand}】校验码 {code}，您正在进行身份验证，打死不要告诉别人哦！"]
    return rng.choice(forms)


# ---------------------------------------------------------------- network plan

JUMP_CC = "jp"          # the rented foreign host
VENDOR_CC = "se"        # a vendor's remote support centre
REPO_CC = "us"          # patch repository / licence servers

SMSC = ["172.22.8.11", "172.22.8.12"]
STP = ["172.22.4.1", "172.22.4.2"]
ISTP = "172.22.6.20"    # international STP: MT to outbound roamers leaves through it
IPSMGW = "172.22.9.5"   # SMS over IMS for VoLTE handsets
HSS = "172.22.5.10"
SMSC_STANDBY = "172.22.8.13"  # commissioned, not yet in the CMDB (clean-ranges etc.)
ESME = ["10.244.1.20", "10.244.1.21", "10.244.1.22"]  # SP gateways (submit only)
OSS = ["10.68.10.11", "10.68.10.12", "10.68.10.13", "10.68.10.14"]
NMS = ["10.68.11.5", "10.68.11.6", "10.68.11.20"]
PROBE = "10.68.11.31"   # 拨测 probe: test binds to the SMSC, sends to lab SIMs
SYSLOG = "10.68.11.40"
BASTION = "10.68.2.10"
VENDOR_RA = "10.68.3.5"
BATCH = "10.68.40.11"
CRMDB = "10.68.20.5"
ZBX_NEW = "10.68.33.14"  # new monitoring proxy, not yet in the CMDB
LAB_VM = "10.68.50.200"  # lab VM polling SNMP, not in the CMDB
ROGUE_LISTED = "10.68.12.57"    # selfreg / all: registered by the insider
ROGUE_UNLISTED = "10.68.77.23"  # ranges / all: unlisted inside 10.68.0.0/16

INSIDER = "wangjh"
INSIDER_WS = "10.120.7.44"
PEERS = ["lixm", "zhaoq", "chenyf", "liuhong", "sunwei", "zhoujl", "wuxd"]
PEER_WS = {u: f"10.120.7.{30 + i}" for i, u in enumerate(PEERS)}
DBA = "dba_liuy"
DBA_WS = "10.120.9.15"
SVC_EXPORT = "svc_numsync"
SVC_REPORT = "rpt_daily"
VENDOR_USER = "zte_rs02"
CLERKS = [f"yyt{n:04d}" for n in (1021, 1022, 1107, 1133, 1210, 1304, 1305, 1402)]
CLERK_POOL = "10.120.32.0/20"   # DHCP pool of business-hall desktops


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("variant", choices=VARIANTS)
    ap.add_argument("out")
    ap.add_argument("--subs", type=int, default=60000)
    ap.add_argument("--seed", type=int, default=20251104)
    a = ap.parse_args()
    gen(a.variant, a.out, a.subs, a.seed)


def gen(variant, out, nsubs, seed):
    rb = random.Random(seed)          # background
    rc = random.Random(seed * 7 + 1)  # chain
    chain = variant in ("ranges", "selfreg", "all")
    with_ranges = variant in ("ranges", "all", "clean-ranges")
    live_victims = variant in ("ranges", "all")
    households = variant in ("ranges", "all")
    careful = variant in ("selfreg", "all")
    rogues = {"ranges": [ROGUE_UNLISTED], "selfreg": [ROGUE_LISTED],
              "all": [ROGUE_LISTED, ROGUE_UNLISTED]}.get(variant, [])
    os.makedirs(out, exist_ok=True)
    truth = []
    neg = {}

    def hn(t, i, k):
        neg.setdefault((t, i), k)

    segs = load_segments()
    tacs = load_tacs()
    tac_set = {t for t, _, _ in tacs}
    phone_tacs = [t for t, b, _ in tacs if b.lower() in
                  ("huawei", "apple", "samsung", "xiaomi", "oppo", "lenovo", "zte", "meizu",
                   "oneplus", "sony", "htc", "nokia")]
    module_tacs = [t for t, b, _ in tacs if b.lower() in ("telit", "simcom", "quectel",
                                                          "sierra wireless", "u-blox")]
    cn = load_cidrs("cn")

    # ---------------------------------------------------------- subscribers
    used = set()

    def new_number(r):
        while True:
            p, _ = r.choice(segs)
            n = p + f"{r.randrange(10000):04d}"
            if n not in used:
                used.add(n)
                return n

    # unknown-to-the-table TACs of recent handsets (the free TAC list is old)
    new_tacs = [f"86{rb.randrange(10**6):06d}" for _ in range(60)]
    new_tacs = [t for t in new_tacs if t not in tac_set]

    def handset(r):
        t = r.choice(phone_tacs) if r.random() < 0.82 else r.choice(new_tacs)
        return imei(t, f"{r.randrange(10**6):06d}")

    cells = [f"46011-{rb.randrange(560000, 590000)}-{rb.randrange(1, 4)}" for _ in range(2400)]
    subs = []   # dicts
    S = {}

    def add_sub(kind, status="active", r=rb, **kw):
        n = new_number(r)
        s = dict(msisdn=n, imsi="46011" + f"{r.randrange(10**10):010d}", kind=kind,
                 status=status, imeis=[], home=r.sample(cells, 3), volte=r.random() < 0.22,
                 channel=kw.pop("channel", f"GZ{r.randrange(100, 999)}{r.choice('ABCDEFG')}"),
                 id_hash=kw.pop("id_hash", "%016x" % r.getrandbits(64)),
                 act=kw.pop("act", T0 - r.randrange(30, 3650) * 86400 + r.randrange(86400)))
        s.update(kw)
        subs.append(s)
        S[n] = s
        return s

    n_iot = nsubs // 25
    n_otp_heavy = 320
    n_switch = 500
    n_roam = 260
    n_lab = 36
    n_corp = 180
    n_family = 400
    n_normal = nsubs - n_iot - n_otp_heavy - n_switch - n_roam - n_lab - n_corp - 2 * n_family
    for _ in range(n_normal):
        s = add_sub("normal")
        s["imeis"] = [handset(rb)]
    for _ in range(n_otp_heavy):
        s = add_sub("otp_heavy")
        s["imeis"] = [handset(rb)]
        hn("msisdn", s["msisdn"], "otp_heavy_user")
    for _ in range(n_switch):
        s = add_sub("switcher")
        s["imeis"] = [handset(rb) for _ in range(rb.choice((2, 2, 2, 3)))]
        hn("msisdn", s["msisdn"], "phone_switcher")
        for i in s["imeis"]:
            hn("imei", i, "phone_switcher")
    for _ in range(n_roam):
        s = add_sub("roamer")
        s["imeis"] = [handset(rb)]
        hn("msisdn", s["msisdn"], "outbound_roamer")
    iot_chan = "M2M-GZ-PLAT"
    iot_owner = "%016x" % rb.getrandbits(64)
    for _ in range(n_iot):
        s = add_sub("iot", channel=iot_chan, id_hash=iot_owner, volte=False)
        s["imeis"] = [imei(rb.choice(module_tacs), f"{rb.randrange(10**6):06d}")]
        hn("msisdn", s["msisdn"], "iot_m2m")
    lab_owner = "%016x" % rb.getrandbits(64)
    lab_handsets = [handset(rb) for _ in range(3)]
    for i in range(n_lab):
        s = add_sub("lab", channel="NMC-LAB", id_hash=lab_owner, volte=False)
        s["imeis"] = [lab_handsets[i % 3]]
        hn("msisdn", s["msisdn"], "test_lab_sim")
    for i in lab_handsets:
        hn("imei", i, "test_lab_handset")
    corp_owner = "%016x" % rb.getrandbits(64)
    corp = []
    for _ in range(n_corp):
        s = add_sub("corp", channel="ZQ-0851-07", id_hash=corp_owner,
                    act=T0 - 9 * 86400 + rb.randrange(3 * 3600))
        s["imeis"] = [handset(rb)]
        corp.append(s)
    families = []
    for _ in range(n_family):
        fid = "%016x" % rb.getrandbits(64)
        p = add_sub("family_parent", id_hash=fid)
        k = add_sub("family_child", id_hash=fid)
        shared = handset(rb)
        p["imeis"] = [handset(rb), shared]   # parent's old phone now used by the child
        k["imeis"] = [shared]
        families.append((p, k, shared))
        hn("imei", shared, "family_shared_phone")
        hn("msisdn", p["msisdn"], "family_phone")
        hn("msisdn", k["msisdn"], "family_phone")
    # register-only numbers: never sold, cancelled, suspended
    stock = [add_sub("stock", status="stock", r=rb) for _ in range(nsubs // 10)]
    cancelled = [add_sub("cancelled", status="cancelled") for _ in range(nsubs // 20)]
    suspended = [add_sub("suspended", status="suspended") for _ in range(nsubs // 60)]
    for s in stock:
        s["channel"] = ""
        s["id_hash"] = ""
        s["act"] = None
    for s in suspended:
        s["imeis"] = [handset(rb)]

    live = [s for s in subs if s["status"] == "active"]
    phones = [s for s in live if s["kind"] not in ("iot", "lab")]
    out_numbers = [f"1{rb.choice('3578')}{rb.randrange(10**9):09d}" for _ in range(5000)]

    # ---------------------------------------------------------- chain choices
    leaked_dead, leaked_live = [], []
    if chain:
        leaked_dead = rc.sample(stock, 700) + rc.sample(cancelled, 300)
        if live_victims:
            cand = [s for s in phones if s["kind"] == "normal"]
            leaked_live = rc.sample(cand, 500)
    leaked = leaked_dead + leaked_live
    for s in leaked_dead:
        truth.append(("msisdn", s["msisdn"], "otp_sink"))
    for s in leaked_live:
        truth.append(("msisdn", s["msisdn"], "otp_sink"))
        truth.append(("msisdn", s["msisdn"], "leaked_live"))

    # ---------------------------------------------------------- sms
    sms_dir = os.path.join(out, "sms")
    sw = [Writer(os.path.join(sms_dir, f"part-{d + 1:04d}.csv.gz"),
                 ["ts", "direction", "msisdn", "peer", "content", "category",
                  "delivery_node"], gz=True) for d in range(DAYS)]

    def sms(t, direction, msisdn, peer, content, cat, node):
        d = min(DAYS - 1, max(0, (t - T0) // 86400))
        # the collector fills category for its own traffic classes; about a third of
        # rows come from an SMSC whose export has no category column filled
        if (t * 2654435761 + int(msisdn[-7:])) % 10 < 3:
            cat = ""
        sw[d].row(ts_rfc_cst(t), direction, "+86" + msisdn if len(msisdn) == 11 else msisdn,
                  peer, content, cat, node if direction == "MT" else "")

    def node_of(s):
        if s["kind"] == "roamer":
            return ISTP
        return IPSMGW if s["volte"] else "radio"

    svc_w = [w for _, _, w in OTP_SERVICES]
    for s in phones:
        lam_otp = 11.0 if s["kind"] == "otp_heavy" else 0.9
        favs = rb.sample(OTP_SERVICES, 24 if s["kind"] == "otp_heavy" else 6)
        for day in range(DAYS):
            for _ in range(poisson(rb, lam_otp)):
                code, brand, _ = rb.choices(favs, [w for _, _, w in favs])[0]
                t = pick_hour(rb, HUMAN, day)
                sms(t, "MT", s["msisdn"], code,
                    otp_text(brand, f"{rb.randrange(10**6):06d}", rb), "otp", node_of(s))
            for _ in range(poisson(rb, 0.8)):
                t = pick_hour(rb, HUMAN, day)
                sms(t, "MT", s["msisdn"], rb.choice(NOTICE_SENDERS),
                    rb.choice(["【中国电信】尊敬的客户，您本月已使用流量12.3GB。",
                               "【工商银行】您尾号%04d卡11月%d日支出(消费)%d.00元。" % (
                                   rb.randrange(10000), 4 + day, rb.randrange(5, 900)),
                               "【国家反诈中心】提醒：公检法不会通过电话办案，谨防诈骗。",
                               "【南方电网】您的电费账单已出，请及时缴纳。"]),
                    "notice", node_of(s))
            for _ in range(poisson(rb, 0.6)):
                t = pick_hour(rb, HUMAN, day)
                sms(t, "MT", s["msisdn"], rb.choice(MARKETING_SENDERS),
                    "【某商城】双11预售开启，限时满300减50，回TD退订", "marketing",
                    node_of(s))
            for _ in range(poisson(rb, 0.5)):
                t = pick_hour(rb, HUMAN, day)
                peer = rb.choice(phones)["msisdn"] if rb.random() < 0.6 else rb.choice(out_numbers)
                d = rb.choice(("MO", "MT"))
                sms(t, d, s["msisdn"], peer, rb.choice(["到了吗", "晚上回来吃饭", "好的",
                                                          "收到", "明天几点"]),
                    "personal", node_of(s))
    iot_codes = ["1064899100", "1064899101"]
    for s in live:
        if s["kind"] == "iot":
            for day in range(DAYS):
                for _ in range(poisson(rb, 0.4)):
                    t = T0 + day * 86400 + rb.randrange(86400)
                    sms(t, "MT", s["msisdn"], rb.choice(iot_codes), "CFG;APN=cmiot.gz;RPT=300",
                        "notice", "radio")
                    sms(t + rb.randrange(2, 40), "MO", s["msisdn"], rb.choice(iot_codes),
                        "ACK", "notice", "")
    # the 拨测 probe sends a test message to every lab SIM every 15 minutes
    lab = [s for s in live if s["kind"] == "lab"]
    for t in range(T0 + 300, T1, 900):
        for s in lab:
            if rb.random() < 0.9:
                sms(t + rb.randrange(60), "MT", s["msisdn"], "10659001",
                    "BT-TEST %d" % rb.randrange(10**8), "notice", "radio")
    for s in lab:
        hn("msisdn", s["msisdn"], "test_lab_sim")

    # ---------------------------------------------------------- registrations (platform)
    regw = Writer(os.path.join(out, "registrations.csv"),
                  ["ts", "platform", "account_id", "msisdn", "device_id", "ip"])
    ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"

    def account(r):
        return "wxid_" + "".join(r.choice(ALNUM) for _ in range(14))

    cgnat = [rand_ip_in(rb, "106.58.0.0/16") for _ in range(48)]   # operator's mobile NAT
    for i in cgnat:
        hn("ip", i, "mobile_cgnat")
    broadband = [rand_ip_in(rb, rb.choice(cn)) for _ in range(4000)]
    corp_egress = "58.42.231.6"
    hn("ip", corp_egress, "corporate_vpn_egress")

    def device_for(s, r):
        if r.random() < 0.62 and s["imeis"]:
            return s["imeis"][-1]
        if r.random() < 0.5:
            return "%016x" % r.getrandbits(64)          # Android id
        return "%08X-%04X-%04X-%04X-%012X" % (r.getrandbits(32), r.getrandbits(16),
                                              r.getrandbits(16), r.getrandbits(16),
                                              r.getrandbits(48))

    def reg(t, plat, acct, msisdn, dev, ip):
        regw.row(ts_rfc_utc(t), plat, acct, "86" + msisdn, dev, ip)

    normal_regs = rb.sample(phones, len(phones) // 90)
    for s in normal_regs:
        t = pick_hour(rb, HUMAN, rb.randrange(DAYS))
        ip = rb.choice(cgnat) if rb.random() < 0.55 else rb.choice(broadband)
        acct = account(rb)
        plat = rb.choice(("wechat", "wechat", "wechat", "douyin"))
        if plat == "wechat":
            sms(t - rb.randrange(15, 90), "MT", s["msisdn"], WECHAT_CODE,
                otp_text("腾讯科技", f"{rb.randrange(10**6):06d}", rb, True), "otp", node_of(s))
        else:
            sms(t - rb.randrange(15, 90), "MT", s["msisdn"], "106911112222",
                otp_text("抖音", f"{rb.randrange(10**6):06d}", rb), "otp", node_of(s))
        reg(t, plat, acct, s["msisdn"], device_for(s, rb), ip)
    # family: a parent signs the child up on the parent's own phone, from home
    for p, k, shared in rb.sample(families, 60):
        ip = rb.choice(broadband)
        t = pick_hour(rb, HUMAN, rb.randrange(DAYS))
        for s in (p, k):
            a = account(rb)
            sms(t - 40, "MT", s["msisdn"], WECHAT_CODE,
                otp_text("腾讯科技", f"{rb.randrange(10**6):06d}", rb, True), "otp", node_of(s))
            reg(t, "wechat", a, s["msisdn"], shared, ip)
            hn("account", a, "family_account")
            t += rb.randrange(120, 900)
    # corporate onboarding: the new branch's staff sign up in a training room behind the
    # company's VPN egress, on day 2 between 14:00 and 16:00
    for s in corp:
        t = T0 + 86400 + 14 * 3600 + rb.randrange(7200)
        a = account(rb)
        sms(t - 30, "MT", s["msisdn"], WECHAT_CODE,
            otp_text("腾讯科技", f"{rb.randrange(10**6):06d}", rb, True), "otp", node_of(s))
        reg(t, "wechat", a, s["msisdn"], s["imeis"][0], corp_egress)
        hn("account", a, "corporate_onboarding")
        hn("msisdn", s["msisdn"], "corporate_group_line")

    # ---------------------------------------------------------- chain: registrations
    gang_accounts = []
    proxies_res, proxies_dc = [], []
    house_accounts = []
    forged = []
    if chain:
        if households:
            proxies_res = [rand_ip_in(rc, rc.choice(cn)) for _ in range(55)]
        proxies_dc = [rand_ip_in(rc, rc.choice(load_cidrs("hk"))) for _ in range(12)] + \
                     [rand_ip_in(rc, rc.choice(cn)) for _ in range(8)]
        for ip in proxies_res + proxies_dc:
            truth.append(("ip", ip, "proxy_ip"))
        # IMEI-changing software: a fresh plausible IMEI most of the time, sometimes one of
        # the last few it generated; TACs of common models, or ones no table knows
        recent = []
        gang_tacs = rc.sample(phone_tacs, 25) + [f"86{rc.randrange(10**6):06d}" for _ in range(10)]
        workers = 14
        order = leaked[:]
        rc.shuffle(order)
        # the gang works in shifts, 09:30 -> 01:30 local, each worker one sign-up every
        # 2-6 minutes, in bursts
        slots = []
        for w in range(workers):
            for day in range(DAYS):
                t = T0 + day * 86400 + 9 * 3600 + 1800 + rc.randrange(3600)
                end = T0 + day * 86400 + 25 * 3600 + 1800
                while t < end and t < T1:
                    slots.append(t)
                    t += rc.randrange(120, 600) + (rc.random() < 0.05) * rc.randrange(1800, 5400)
        rc.shuffle(slots)
        slots = sorted(slots[:len(order)])
        rc.shuffle(order)
        for s, t in zip(order, slots):
            if recent and rc.random() < 0.25:
                dev = rc.choice(recent[-12:])
            else:
                dev = imei(rc.choice(gang_tacs), f"{rc.randrange(10**6):06d}")
                recent.append(dev)
                forged.append(dev)
            if proxies_res and rc.random() < 0.8:
                ip = rc.choice(proxies_res)
            else:
                ip = rc.choice(proxies_dc)
            a = account(rc)
            gang_accounts.append((a, s, t, ip))
            s.setdefault("rogue_codes", []).append((t - rc.randrange(20, 80), WECHAT_CODE,
                                                    "腾讯科技", True))
            reg(t, "wechat", a, s["msisdn"], dev, ip)
            truth.append(("account", a, "bulk_account"))
        for d in sorted(set(forged)):
            truth.append(("imei", d, "tampered_imei"))
        # the households whose home connections are the residential proxies sign up
        # their own accounts from home, with their own phones
        for ip in proxies_res:
            for s in rc.sample(phones, rc.choice((1, 1, 2, 3))):
                t = pick_hour(rc, HUMAN, rc.randrange(DAYS))
                a = account(rc)
                sms(t - 35, "MT", s["msisdn"], WECHAT_CODE,
                    otp_text("腾讯科技", f"{rc.randrange(10**6):06d}", rc, True), "otp",
                    node_of(s))
                reg(t, "wechat", a, s["msisdn"], device_for(s, rc), ip)
                house_accounts.append((a, s))
                hn("account", a, "proxy_household_account")
                hn("msisdn", s["msisdn"], "proxy_household_number")
        # the code platform's other customers: dead numbers get codes from many services
        for s in leaked_dead:
            for day in range(DAYS):
                for _ in range(poisson(rc, 3.5)):
                    code, brand, _ = rc.choice(OTP_SERVICES)
                    s["rogue_codes"].append((pick_hour(rc, HUMAN, day), code, brand, False))
        for s in leaked_live:
            for _ in range(rc.choice((0, 0, 1, 2))):
                code, brand, _ = rc.choice(OTP_SERVICES[:12])
                s["rogue_codes"].append((pick_hour(rc, HUMAN, rc.randrange(DAYS)), code,
                                         brand, False))
        for s in leaked:
            for t, code, brand, wx in s.get("rogue_codes", []):
                node = rogues[0]
                if len(rogues) > 1 and t > T0 + 86400 + 6 * 3600 and rc.random() < 0.45:
                    node = rogues[1]   # the second box takes a share from day 2
                sms(t, "MT", s["msisdn"], code,
                    otp_text(brand, f"{rc.randrange(10**6):06d}", rc, wx), "otp", node)
    regw.close()
    for w in sw:
        w.close()

    # ---------------------------------------------------------- subscribers table
    with open(os.path.join(out, "subscribers.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["msisdn", "imsi", "activated_at", "channel", "id_hash", "status"])
        for s in subs:
            w.writerow([s["msisdn"], s["imsi"], ts_local(s["act"]) if s["act"] else "",
                        s["channel"], s["id_hash"], s["status"]])

    # ---------------------------------------------------------- attach (NDJSON, epoch)
    with open(os.path.join(out, "attach.ndjson"), "w", encoding="utf-8") as f:
        def att(t, s, im, cell):
            f.write(json.dumps({"ts": t, "imsi": s["imsi"], "msisdn": s["msisdn"],
                                "imei": im, "cell_id": cell}) + "\n")
        for s in live:
            k = s["kind"]
            if k == "roamer":
                continue            # abroad: attaches to the visited network
            if k == "iot":
                ph = rb.randrange(7200)
                for t in range(T0 + ph, T1, 7200):
                    att(t, s, s["imeis"][0], s["home"][0])
                continue
            if k == "lab":
                # lab handsets cycle test SIMs: each SIM is in the handset a few times a day
                for day in range(DAYS):
                    for _ in range(rb.randrange(3, 7)):
                        att(pick_hour(rb, OFFICE, day), s, s["imeis"][0], "46011-571200-1")
                continue
            for day in range(DAYS):
                for j in range(poisson(rb, 3.2) + 1):
                    if k == "switcher":
                        im = s["imeis"][min(len(s["imeis"]) - 1,
                                            (day * 2 + (j % 2)) * len(s["imeis"]) // 4)]
                    elif k == "family_parent":
                        im = s["imeis"][0]
                    else:
                        im = s["imeis"][0]
                    att(pick_hour(rb, HUMAN, day), s, im, rb.choice(s["home"]))
        # inbound roamers (foreign SIMs on our cells): not in our register
        for _ in range(150):
            cc, mcc = rb.choice((("852", "45400"), ("81", "44010"), ("66", "52001")))
            im = handset(rb)
            ms = cc + f"{rb.randrange(10**8):08d}"
            for day in range(DAYS):
                for _ in range(rb.randrange(1, 5)):
                    f.write(json.dumps({"ts": pick_hour(rb, HUMAN, day),
                                        "imsi": mcc + f"{rb.randrange(10**10):010d}",
                                        "msisdn": "+" + ms, "imei": im,
                                        "cell_id": rb.choice(cells)}) + "\n")

    # ---------------------------------------------------------- calls (local time text)
    cw = Writer(os.path.join(out, "calls.csv"),
                ["ts", "direction", "msisdn", "peer", "duration_s", "cell_id", "imei"])
    for s in phones:
        lam = 2.6 if s["kind"] != "corp" else 5.0
        for day in range(DAYS):
            for _ in range(poisson(rb, lam)):
                t = pick_hour(rb, HUMAN, day)
                peer = rb.choice(phones)["msisdn"] if rb.random() < 0.5 else rb.choice(out_numbers)
                dur = 0 if rb.random() < 0.14 else int(min(5400, rb.lognormvariate(4.0, 1.1)))
                if s["kind"] == "roamer":
                    cw.row(ts_local(t), rb.choice(("MO", "MT")), s["msisdn"], peer, dur, "", "")
                else:
                    im = s["imeis"][-1] if s["kind"] == "switcher" and day == 1 else s["imeis"][0]
                    cw.row(ts_local(t), rb.choice(("MO", "MO", "MT")), s["msisdn"], peer, dur,
                           rb.choice(s["home"]), im)
    cw.close()

    # ---------------------------------------------------------- assets
    aw = Writer(os.path.join(out, "assets.csv"), ["ip", "hostname", "owner", "role", "network"])
    A = aw.row
    for i, ip in enumerate(SMSC):
        A(ip, f"gz-smsc-0{i + 1}", "核心网-刘工", "SMSC", "signalling")
    for i, ip in enumerate(STP):
        A(ip, f"gz-stp-0{i + 1}", "核心网-刘工", "stp", "signalling")
    A(ISTP, "gz-istp-01", "核心网-刘工", "STP", "signalling")
    A(IPSMGW, "gz-ipsmgw-01", "核心网-刘工", "ipsmgw", "signalling")
    A(HSS, "gz-hss-01", "核心网-刘工", "HSS", "signalling")
    for i, ip in enumerate(ESME):
        A(ip, f"sp-gw-0{i + 1}", "增值业务部", "sms_gw", "dmz")
    for i, ip in enumerate(OSS):
        A(ip, f"oss-perf-0{i + 1}", "网管中心", "OSS", "mgmt")
    A(NMS[0], "nms-core-01", "网管中心", "nms", "mgmt")
    A(NMS[1], "nms-core-02", "网管中心", "nms", "mgmt")
    A(NMS[2], "netcool-01", "网管中心", "网管", "mgmt")
    A(PROBE, "bt-probe-01", "网管中心", "nms", "mgmt")
    A(SYSLOG, "syslog-01", "网管中心", "log", "mgmt")
    A(BASTION, "bastion-01", "安全组", "jump", "mgmt")
    A(VENDOR_RA, "vendor-ra-01", "安全组", "vendor_access", "mgmt")
    A(BATCH, "batch-etl-01", SVC_EXPORT, "batch", "mgmt")
    A(CRMDB, "crm-db-01", DBA, "db", "mgmt")
    for u in PEERS + [INSIDER]:
        ip = INSIDER_WS if u == INSIDER else PEER_WS[u]
        A(ip, f"nmc-ws-{u}", u, "workstation", "office")
    A(DBA_WS, f"it-ws-{DBA}", DBA, "workstation", "office")
    A(CLERK_POOL, "", "营业厅", "desktop", "office")   # a DHCP pool: a host row with a role
    if with_ranges:
        # the IP address plan, as the CMDB imports it: ranges without a role
        A("10.68.0.0/16", "", "网络部", "", "mgmt")
        A("172.22.0.0/16", "", "核心网", "", "signalling")
        A("10.120.0.0/16", "", "网络部", "", "office")
        A("10.244.0.0/16", "", "增值业务部", "", "dmz")
    if variant in ("selfreg", "all"):
        A(ROGUE_LISTED, "oss-collect-03", INSIDER, "OSS", "mgmt")
    aw.close()
    if True:
        for ip, k in ((ZBX_NEW, "unlisted_new_monitoring"), (LAB_VM, "unlisted_lab_vm"),
                      (SMSC_STANDBY, "unlisted_standby_smsc")):
            hn("ip", ip, k)
    for ip, k in ((PROBE, "nms_probe_smpp"), (VENDOR_RA, "vendor_remote_support"),
                  (BATCH, "scheduled_export_host"), (IPSMGW, "ims_sms_delivery"),
                  (ISTP, "roaming_sms_delivery")):
        hn("ip", ip, k)
    for r in rogues:
        truth.append(("ip", r, "rogue_host"))

    # ---------------------------------------------------------- flows (UTC text)
    fw = Writer(os.path.join(out, "flows.csv"),
                ["ts_start", "ts_end", "src_ip", "dst_ip", "src_port", "dst_port", "proto",
                 "bytes", "packets"])

    def flow(t, dur, src, dst, sport, dport, proto, b):
        fw.row(ts_rfc_utc(t), ts_rfc_utc(t + dur), src, dst, sport, dport, proto, b,
               max(1, b // 600))

    def long_session(src, dst, dport, proto, bps, start=T0, end=T1, r=rb, chunk=1800):
        # collectors cut long flows at the active timeout (30 min)
        sport = r.randrange(32768, 61000)
        t = start
        while t < end:
            d = min(chunk, end - t)
            flow(t, d, src, dst, sport, dport, proto, max(200, int(bps * d * r.uniform(0.5, 1.6))))
            t += d

    nodes = SMSC + STP + [ISTP, IPSMGW, HSS] + OSS + NMS + [SYSLOG, BASTION, CRMDB, BATCH]
    devices = [f"10.68.{rb.randrange(100, 200)}.{rb.randrange(2, 250)}" for _ in range(60)]
    # SNMP polling, 5-minute cycle aggregated per hour
    for t in range(T0, T1, 3600):
        for dev in devices + nodes:
            for poller in NMS[:2]:
                flow(t, 3590, poller, dev, rb.randrange(40000, 60000), 161, "udp",
                     rb.randrange(20000, 60000))
        for n in nodes:
            flow(t, 3595, n, SYSLOG, 514, 514, "udp", rb.randrange(50000, 400000))
    # SP gateways hold SMPP binds to the SMSCs (they submit)
    for g in ESME:
        for smsc in SMSC:
            long_session(g, smsc, 2775, "tcp", 900)
    # SMSC <-> STP / IP-SM-GW / HSS signalling
    for smsc in SMSC:
        for p, port in ((STP[0], 2905), (STP[1], 2905), (IPSMGW, 5060), (HSS, 3868),
                        (ISTP, 2905)):
            long_session(smsc, p, port, "sctp", 4000)
    # 拨测 probe: a short SMPP bind every 15 minutes
    for t in range(T0 + 300, T1, 900):
        flow(t, rb.randrange(8, 25), PROBE, rb.choice(SMSC), rb.randrange(40000, 60000),
             2775, "tcp", rb.randrange(3000, 9000))
    # admins through the bastion during office hours
    for u in PEERS + [INSIDER]:
        ws = INSIDER_WS if u == INSIDER else PEER_WS[u]
        for day in range(DAYS):
            for _ in range(rb.randrange(2, 6)):
                t = pick_hour(rb, OFFICE, day)
                d = rb.randrange(300, 5400)
                flow(t, d, ws, BASTION, rb.randrange(50000, 60000), 22, "tcp",
                     rb.randrange(40000, 2000000))
                for _ in range(rb.randrange(1, 4)):
                    flow(t + 30, d - 60, BASTION, rb.choice(nodes + devices),
                         rb.randrange(40000, 60000), 22, "tcp", rb.randrange(20000, 900000))
    # the nightly export: batch host pulls from the CRM DB 02:00-03:20
    for day in range(DAYS):
        t = T0 + day * 86400 + 2 * 3600 + rb.randrange(300)
        flow(t, 4800, BATCH, CRMDB, rb.randrange(40000, 60000), 1521, "tcp",
             rb.randrange(380, 460) * 10**6)
        flow(t + 5000, 600, BATCH, "10.68.10.14", rb.randrange(40000, 60000), 22, "tcp",
             rb.randrange(200, 260) * 10**6)
    # vendor remote support: an IPsec tunnel from the vendor gateway to the vendor's
    # support centre abroad, up all the time; sessions on it during the day
    vendor_peer = rand_ip_in(rb, rb.choice(load_cidrs(VENDOR_CC)))
    hn("ip", vendor_peer, "vendor_support_centre")
    long_session(VENDOR_RA, vendor_peer, 4500, "udp", 300)
    for day in range(DAYS):
        t = pick_hour(rb, OFFICE, day)
        flow(t, 7200, VENDOR_RA, BASTION, rb.randrange(40000, 60000), 22, "tcp",
             rb.randrange(10**6, 10**7))
    # patch / licence servers abroad; NTP
    repo = [rand_ip_in(rb, rb.choice(load_cidrs(REPO_CC))) for _ in range(3)]
    for day in range(DAYS):
        for o in OSS:
            flow(T0 + day * 86400 + 4 * 3600 + rb.randrange(1800), rb.randrange(60, 600), o,
                 rb.choice(repo), rb.randrange(40000, 60000), 443, "tcp",
                 rb.randrange(10**6, 8 * 10**7))
    ntp = [rand_ip_in(rb, rb.choice(load_cidrs("sg"))), rand_ip_in(rb, rb.choice(load_cidrs("jp")))]
    for t in range(T0, T1, 3600):
        for n in NMS:
            flow(t, 3600, n, rb.choice(ntp), 123, 123, "udp", 912)
    # unlisted but ordinary hosts inside declared ranges (all variants have them; only
    # the range rows say they belong to a network)
    for t in range(T0, T1, 3600):
        for dev in rb.sample(devices, 20):
            flow(t, 3590, ZBX_NEW, dev, rb.randrange(40000, 60000), 10050, "tcp",
                 rb.randrange(5000, 30000))
        flow(t, 3590, ZBX_NEW, NMS[2], rb.randrange(40000, 60000), 10051, "tcp",
             rb.randrange(100000, 400000))
        if OFFICE[(t - T0) // 3600 % 24] > 0.5:
            for dev in rb.sample(devices, 8):
                flow(t, 3000, LAB_VM, dev, rb.randrange(40000, 60000), 161, "udp",
                     rb.randrange(4000, 20000))
        flow(t, 3600, SMSC_STANDBY, SMSC[0], rb.randrange(40000, 60000), 7000, "tcp",
             rb.randrange(2 * 10**6, 9 * 10**6))

    jump = None
    if chain:
        jump = rand_ip_in(rc, rc.choice(load_cidrs(JUMP_CC)))
        truth.append(("ip", jump, "jump_host"))
        for r in rogues:
            start = T0 if r == rogues[0] else T0 + 86400 + 5 * 3600
            # SMPP bind to the SMSC (the insider's route delivers the codes over it)
            long_session(r, SMSC[1], 2775, "tcp", 60, start=start, r=rc)
            # the tunnel to the rented host abroad (reverse SSH over 443)
            long_session(r, jump, 443, "tcp", 150, start=start, r=rc)
        # he logs in to his box directly from his workstation, office hours
        for day in range(DAYS):
            for _ in range(rc.randrange(1, 3)):
                t = pick_hour(rc, OFFICE, day)
                flow(t, rc.randrange(300, 2400), INSIDER_WS, rc.choice(rogues),
                     rc.randrange(50000, 60000), 22, "tcp", rc.randrange(30000, 600000))
    fw.close()

    # ---------------------------------------------------------- audit (+08:00)
    uw = Writer(os.path.join(out, "audit.csv"),
                ["ts", "user", "action", "object", "record_count", "src_ip"])

    def au(t, user, action, obj, n, ip):
        uw.row(ts_rfc_cst(t), user, action, obj, n if n is not None else "", ip)

    rows = []
    for day in range(DAYS):
        for u in PEERS + [INSIDER]:
            ws = INSIDER_WS if u == INSIDER else PEER_WS[u]
            rows.append((T0 + day * 86400 + 8 * 3600 + 1800 + rb.randrange(2400), u, "login",
                         "oss_portal", None, ws))
            for _ in range(poisson(rb, 14)):
                rows.append((pick_hour(rb, OFFICE, day), u, "query", "number_pool",
                             rb.randrange(20, 400), ws))
            for _ in range(poisson(rb, 6)):
                rows.append((pick_hour(rb, OFFICE, day), u, "query",
                             rb.choice(("cell_config", "alarm", "sms_route", "kpi")),
                             rb.randrange(1, 2000), ws))
            for _ in range(poisson(rb, 0.7)):
                rows.append((pick_hour(rb, OFFICE, day), u, "modify", "sms_route", 1, ws))
        # business-hall clerks provision numbers all day
        for c in CLERKS:
            ip = rand_ip_in(rb, CLERK_POOL)
            for _ in range(poisson(rb, 35)):
                rows.append((pick_hour(rb, OFFICE, day), c, "provision", "subscriber", 1, ip))
                if rb.random() < 0.4:
                    rows.append((pick_hour(rb, OFFICE, day), c, "query", "number_pool",
                                 rb.randrange(10, 60), ip))
        # service accounts: the nightly export and a morning report
        rows.append((T0 + day * 86400 + 2 * 3600 + 120 + rb.randrange(60), SVC_EXPORT,
                     "export", "number_pool", 186000 + rb.randrange(9000), BATCH))
        rows.append((T0 + day * 86400 + 6 * 3600 + 300 + rb.randrange(60), SVC_REPORT,
                     "query", "number_pool", 186000 + rb.randrange(9000), BATCH))
        rows.append((pick_hour(rb, OFFICE, day), VENDOR_USER, "login", "oss_portal", None,
                     VENDOR_RA))
        rows.append((pick_hour(rb, OFFICE, day), VENDOR_USER, "modify", "cell_config",
                     rb.randrange(1, 30), VENDOR_RA))
    # an ad-hoc export for a regulator's audit request, approved, once
    rows.append((T0 + 86400 + 15 * 3600 + 600, DBA, "export", "number_pool", 62000, DBA_WS))
    for u, k in [(SVC_EXPORT, "scheduled_export"), (SVC_REPORT, "scheduled_report"),
                 (DBA, "adhoc_approved_export"), (VENDOR_USER, "vendor_support_user")] + \
            [(p, "insider_peer") for p in PEERS]:
        hn("user", u, k)
    if chain:
        truth.append(("user", INSIDER, "insider"))
        if careful:
            # a few times his peers' reads, same size, same hours, same workstation
            for day in range(DAYS):
                for _ in range(poisson(rc, 42)):
                    rows.append((pick_hour(rc, OFFICE, day), INSIDER, "query", "number_pool",
                                 rc.randrange(150, 400), INSIDER_WS))
        else:
            # the plain way: a bulk export at night from the rogue box itself
            for day in range(DAYS):
                rows.append((T0 + day * 86400 + 23 * 3600 + rc.randrange(1800), INSIDER,
                             "export", "number_pool", 120000 + rc.randrange(40000), rogues[0]))
        for day in range(DAYS):
            rows.append((pick_hour(rc, OFFICE, day), INSIDER, "modify", "sms_route",
                         rc.randrange(200, 900), INSIDER_WS))
        if variant in ("selfreg", "all"):
            rows.append((T0 + 10 * 3600 + 720, INSIDER, "create_host", ROGUE_LISTED, 1,
                         INSIDER_WS))
    for u in PEERS[:3]:
        rows.append((pick_hour(rb, OFFICE, 0), u, "create_host",
                     f"10.68.{rb.randrange(100, 200)}.{rb.randrange(2, 250)}", 1, PEER_WS[u]))
    rows.sort(key=lambda r: r[0])
    for r in rows:
        au(*r)
    uw.close()

    # ---------------------------------------------------------- cases and transfers
    kw = Writer(os.path.join(out, "cases.csv"),
                ["case_id", "reported_at", "victim_msisdn", "loss", "fraud_type", "channel",
                 "fraud_account", "fraud_msisdn", "payee_account"])
    tw = Writer(os.path.join(out, "transfers.csv"), ["ts", "from_account", "to_account",
                                                     "amount"])

    def bank(r):
        return "62" + "".join(str(r.randrange(10)) for _ in range(17))

    def fmt_victim(n, r):
        if n is None:
            return ""
        return "0086 %s %s %s" % (n[:3], n[3:7], n[7:]) if r.random() < 0.4 else n

    victims_shared = []
    case_no = 1
    if chain:
        mules = [bank(rc) for _ in range(14)]
        tier2 = [bank(rc) for _ in range(4)]
        for m in tier2:
            truth.append(("account", m, "mule"))
        used_accts = rc.sample(gang_accounts, 44)
        for i in range(73):
            a, s, tr, _ = used_accts[i % len(used_accts)] if i < 60 else rc.choice(used_accts)
            cid = f"GZ52{2025110500 + case_no:010d}"
            case_no += 1
            loss = 150000 if i == 0 else rc.choice((rc.randrange(2000, 20000),
                                                   rc.randrange(8000, 98000)))
            ftype = "impersonate_boss" if i < 58 else rc.choice(("customer_service",
                                                                 "part_time_job"))
            victim = rc.choice(phones) if rc.random() < 0.45 else None
            if victim:
                hn("msisdn", victim["msisdn"], "fraud_victim")
                victims_shared.append(victim)
            rt = T1 + rc.randrange(2 * 86400, 20 * 86400)
            payee = rc.choice(mules)
            kw.row(cid, ts_local(rt), fmt_victim(victim["msisdn"], rc) if victim else
                   rc.choice(out_numbers), loss, ftype, "wechat", a,
                   s["msisdn"] if rc.random() < 0.3 else "", payee)
            truth.append(("case", cid, "linked_case"))
            truth.append(("account", payee, "mule"))
            vb = bank(rc)
            tw.row(ts_rfc_cst(rt - rc.randrange(3600, 86400)), vb, payee, loss)
            tw.row(ts_rfc_cst(rt - rc.randrange(600, 3000)), payee, rc.choice(tier2),
                   round(loss * 0.97, 2))
    # another gang entirely: investment / customer-service scams by phone, no link to the
    # chain except that two of its victims were also scammed by the chain
    # (the clean variants hold no fraud at all: their cases and transfers are empty)
    other_mules = [bank(rb) for _ in range(8)]
    for i in range(28 if chain else 0):
        cid = f"GZ52{2025110500 + case_no:010d}"
        case_no += 1
        if chain and i < 2 and victims_shared:
            victim = victims_shared[i]
        else:
            victim = rb.choice(phones) if rb.random() < 0.5 else None
            if victim:
                hn("msisdn", victim["msisdn"], "fraud_victim")
        rt = T1 + rb.randrange(86400, 25 * 86400)
        payee = rb.choice(other_mules)
        loss = rb.randrange(5000, 300000)
        fnum = "1" + rb.choice("78") + f"{rb.randrange(10**9):09d}"
        kw.row(cid, ts_local(rt), fmt_victim(victim["msisdn"], rb) if victim else
               rb.choice(out_numbers), loss, rb.choice(("investment", "customer_service")),
               rb.choice(("call", "sms")), "", fnum, payee)
        truth.append(("case", cid, "other_gang_case"))
        truth.append(("msisdn", fnum, "fraud_number"))
        truth.append(("account", payee, "mule"))
        tw.row(ts_rfc_cst(rt - rb.randrange(3600, 86400)), bank(rb), payee, loss)
    kw.close()
    tw.close()

    # ---------------------------------------------------------- reference tables
    with open(os.path.join(out, "tac.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["tac", "brand", "model"])
        for t, b, m in tacs:
            w.writerow([t, b, m])
    with open(os.path.join(out, "segments.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["prefix", "province", "city", "carrier"])
        for p, city in segs:
            w.writerow([p, "贵州", city, "中国电信"])
    with open(os.path.join(out, "geoip.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["cidr", "country"])
        for cc in ("cn", "hk", "jp", "se", "sg", "us"):
            for c in load_cidrs(cc):
                w.writerow([c, cc.upper()])

    # ---------------------------------------------------------- truth
    with open(os.path.join(out, "truth.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["entity_type", "entity_id", "label"])
        seen = set()
        for t, i, l in truth:
            if t == "msisdn":
                i = "86" + i
            if (t, i, l) not in seen:
                seen.add((t, i, l))
                w.writerow([t, i, l])
    tkeys = {(t, ("86" + i) if t == "msisdn" else i) for t, i, _ in truth}
    with open(os.path.join(out, "hard_negatives.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["entity_type", "entity_id", "kind"])
        for (t, i), k in sorted(neg.items()):
            key = (t, ("86" + i) if t == "msisdn" and not i.startswith("86") else i)
            if key not in tkeys:
                w.writerow([key[0], key[1], k])
    print(f"{variant}: {len(subs)} numbers in register, {len(truth)} truth rows, "
          f"{len(neg)} hard negatives, gang accounts {len(gang_accounts)}, "
          f"forged imeis {len(set(forged))}, leaked {len(leaked)} "
          f"({len(leaked_live)} live)", file=sys.stderr)


if __name__ == "__main__":
    main()
