#!/usr/bin/env python3
"""altworld3: an independent world generator for duanka, written from the input contract
(SCHEMA.md) and the seed story only.

    python3 bench/altworld3/gen.py --out DIR --subscribers 50000 --days 7 --seed 1 [--scenario chain|clean]

Writes the contract tables (deliberately in messy but contract-legal export shapes), a
handful of rows the contract rejects, truth.csv and hard_negatives.csv. Python 3.11 stdlib only.
Reference data (libphonenumber segments, Osmocom TAC db, country IPv4 blocks) is read from
$REFERENCE (default data/reference in the repository).
"""
import argparse
import bisect
import csv
import datetime as dt
import gzip
import io
import ipaddress
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_REF = os.path.join(REPO, "data", "reference")

TZ8 = dt.timezone(dt.timedelta(hours=8))
T0 = int(dt.datetime(2025, 10, 8, 0, 0, tzinfo=TZ8).timestamp())  # Wednesday 00:00 +08
DAY = 86400

# ----------------------------------------------------------------------------- helpers

def luhn_digit(body14):
    s = 0
    for i, ch in enumerate(body14):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        s += d
    return str((10 - s % 10) % 10)


def imei_from(tac, serial):
    body = tac + "%06d" % serial
    return body + luhn_digit(body)


# hour-of-day activity weights (local time): people sleep
HUMAN_H = [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1.5, 4, 6, 7, 7, 7, 8, 7, 7, 7, 7, 7, 8, 9, 9, 8, 5, 2.5]
HUMAN_CUM = []
_c = 0
for w in HUMAN_H:
    _c += w
    HUMAN_CUM.append(_c)


def human_ts(rng, day):
    h = bisect.bisect_left(HUMAN_CUM, rng.random() * HUMAN_CUM[-1])
    return T0 + day * DAY + h * 3600 + rng.randrange(3600)


def fmt_rfc(ts):
    return dt.datetime.fromtimestamp(ts, TZ8).isoformat()


def fmt_rfcz(ts):
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def fmt_local(ts):
    return dt.datetime.fromtimestamp(ts, TZ8).strftime("%Y-%m-%d %H:%M:%S")


def fmt_ts_mixed(rng, ts):
    r = rng.random()
    if r < 0.6:
        return fmt_rfc(ts)
    if r < 0.8:
        return fmt_local(ts)
    if r < 0.9:
        return str(ts)
    return fmt_rfcz(ts)


def fmt_msisdn(rng, canon):
    """canon = E.164 digits. Render in one of the contract's accepted shapes."""
    if not canon.startswith("86"):
        return "+" + canon
    n = canon[2:]
    r = rng.random()
    if r < 0.55:
        return n
    if r < 0.75:
        return "+" + canon
    if r < 0.92:
        return canon
    return "0086 %s %s %s" % (n[:3], n[3:7], n[7:])


# ----------------------------------------------------------------------------- reference

def load_reference(ref):
    carriers = {}
    with open(os.path.join(ref, "libphonenumber-carrier-zh-86.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "|" not in line:
                continue
            k, v = line.strip().split("|", 1)
            carriers[k] = v
    segs = {}  # carrier -> list of (7-digit segment, region)
    with open(os.path.join(ref, "libphonenumber-geocoding-zh-86.txt"), encoding="utf-8") as f:
        for line in f:
            if not line.startswith("861") or "|" not in line:
                continue
            k, v = line.rstrip("\n").split("|", 1)
            if len(k) != 9:
                continue
            car = carriers.get(k[:6]) or carriers.get(k[:5])
            if not car:
                continue
            segs.setdefault(car, []).append((k[2:], v))
    tacs_phone, tacs_module = [], []
    with open(os.path.join(ref, "osmocom-tacdb.csv"), encoding="utf-8", errors="replace") as f:
        for row in csv.reader(f):
            if not row or len(row[0]) != 8 or not row[0].isdigit() or len(row) < 3:
                continue
            brand = row[1].lower()
            if brand in ("apple", "samsung", "huawei", "xiaomi", "oppo", "vivo", "honor", "oneplus", "meizu", "zte", "lenovo"):
                tacs_phone.append(row[0])
            elif brand in ("quectel", "simcom", "telit", "sierra wireless", "u-blox", "fibocom"):
                tacs_module.append(row[0])
    tacs_phone.sort()
    tacs_module.sort()

    def cidrs(cc):
        out = []
        with open(os.path.join(ref, "country-ip-blocks-ipv4", cc + ".cidr")) as f:
            for line in f:
                line = line.strip()
                if line:
                    out.append(ipaddress.ip_network(line))
        return out

    nets = {cc: cidrs(cc) for cc in ("cn", "hk", "sg", "us", "se", "jp", "my")}
    return segs, tacs_phone, tacs_module, nets


def rand_ip(rng, nets):
    n = rng.choice(nets)
    if n.num_addresses <= 4:
        return str(n.network_address)
    return str(n.network_address + rng.randrange(1, n.num_addresses - 1))


# ----------------------------------------------------------------------------- world

SERVICES = [  # (service code, brand, platform name if it shares registrations)
    ("106910001234", "微信", "wechat"), ("95188", "支付宝", "alipay"), ("1069070069", "抖音", "douyin"),
    ("1069013300", "淘宝", "taobao"), ("1069055501", "美团", None), ("1069088802", "京东", None),
    ("1069012233", "拼多多", None), ("1069009191", "滴滴出行", None), ("1069045678", "快手", None),
    ("1069061234", "携程", None), ("1069077700", "饿了么", None), ("1069033300", "哔哩哔哩", None),
    ("1069099901", "小红书", None), ("1069020202", "QQ", None), ("1069050505", "微博", None),
    ("1069066606", "闲鱼", None), ("1069080808", "陌陌", None), ("1069011118", "探探", None),
    ("1069031313", "Soul", None), ("1069044414", "钉钉", None), ("1069052526", "百度", None),
    ("1069063637", "网易", None), ("1069074748", "贝壳", None), ("1069085859", "58同城", None),
    ("1069096960", "唯品会", None), ("1069017171", "转转", None), ("1069028282", "知乎", None),
    ("1069039393", "得物", None), ("1069040404", "哈啰", None), ("1069051515", "爱奇艺", None),
]
PLATFORM_SVC = {s[2]: s for s in SERVICES if s[2]}
MARKETING = ["10690123456", "10655088", "1065902100", "10690998877"]
BANKS = [("95588", "工商银行"), ("95533", "建设银行"), ("95599", "农业银行"), ("95555", "招商银行")]


def otp_text(rng, brand):
    code = "%06d" % rng.randrange(10 ** 6)
    t = rng.random()
    if t < 0.5:
        return "【%s】验证码%s，5分钟内有效，请勿泄露给他人。" % (brand, code)
    if t < 0.8:
        return "【%s】您正在登录，校验码：%s。如非本人操作请忽略。" % (brand, code)
    return "[%s] Your verification code is %s. Do not share it." % (brand, code)


class W:
    pass


def build(args):
    rng = random.Random(args.seed)
    segs, tacs_phone, tacs_module, nets = load_reference(args.reference)
    chain = args.scenario == "chain"
    N, D = args.subscribers, args.days
    w = W()
    truth, hardneg = [], []

    # ---------------- subscribers ----------------
    carrier_mnc = {"中国移动": ["00", "02", "07"], "中国联通": ["01", "06"], "中国电信": ["03", "11"], "中国广电": ["15"]}
    car_list = [c for c in ("中国移动", "中国联通", "中国电信", "中国广电") if c in segs]
    car_w = [0.55, 0.25, 0.17, 0.03][: len(car_list)]
    home = {c: [s for s in segs[c] if s[1].startswith("浙江")] for c in car_list}
    used_msisdn = set()

    def new_msisdn(carrier=None):
        while True:
            c = carrier or rng.choices(car_list, car_w)[0]
            pool = home[c] if (home[c] and rng.random() < 0.7) else segs[c]
            seg = rng.choice(pool)[0]
            m = "86" + seg + "%04d" % rng.randrange(10000)
            if m not in used_msisdn:
                used_msisdn.add(m)
                return m, c

    used_imsi = set()

    def new_imsi(c):
        while True:
            v = "460" + rng.choice(carrier_mnc[c]) + "%010d" % rng.randrange(10 ** 10)
            if v not in used_imsi:
                used_imsi.add(v)
                return v

    used_imei = set()

    def new_imei(tacs):
        while True:
            v = imei_from(rng.choice(tacs), rng.randrange(10 ** 6))
            if v not in used_imei:
                used_imei.add(v)
                return v

    subs = []  # dicts
    for i in range(N):
        m, c = new_msisdn()
        s = {"msisdn": m, "imsi": new_imsi(c), "carrier": c, "status": "active",
             "activated": T0 - rng.randrange(30, 3000) * DAY + rng.randrange(DAY),
             "channel": "CH%04d" % rng.randrange(600), "id_hash": "%016x" % rng.getrandbits(64),
             "kind": "person", "imei": new_imei(tacs_phone)}
        subs.append(s)
    idx = list(range(N))
    rng.shuffle(idx)
    take = iter(idx)

    def pick(k, kind):
        out = []
        for _ in range(k):
            s = subs[next(take)]
            s["kind"] = kind
            out.append(s)
        return out

    scale = max(1, N // 50000)
    # hard-negative subscriber groups
    otp_heavy = pick(150 * scale, "otp_heavy")
    iot = pick(400 * scale, "iot")
    for s in iot:
        s["imei"] = new_imei(tacs_module)
        s["channel"] = "M2M-ENT-%02d" % rng.randrange(8)
    family = pick(60 * scale, "family")  # shares a handset with another family member
    for a, b in zip(family[0::2], family[1::2]):
        b["imei"] = a["imei"]
    switchers = pick(80 * scale, "switcher")
    for s in switchers:
        s["imei2"] = new_imei(tacs_phone)
    test_sims = pick(12, "test")
    test_imei = new_imei(tacs_phone)
    for s in test_sims:
        s["channel"] = "OPERATOR-LAB"
        s["imei"] = test_imei
    cancelled = pick(300 * scale, "cancelled")
    for s in cancelled:
        s["status"] = "cancelled"
    suspended = pick(100 * scale, "suspended")
    for s in suspended:
        s["status"] = "suspended"
    quiet_stock = pick(1500 * scale, "stock_quiet")  # stock numbers nobody uses: normal stock
    for s in quiet_stock:
        s["status"] = "stock"
        s["activated"] = None
        s["channel"] = ""
        s["id_hash"] = ""
    # foreign/roaming: a few outbound roamers among persons
    roamers = pick(120 * scale, "roamer")

    for s in otp_heavy:
        hardneg.append(("msisdn", s["msisdn"], "otp_heavy_user"))
    for s in iot[:40]:
        hardneg.append(("msisdn", s["msisdn"], "iot_sim"))
        hardneg.append(("imei", s["imei"], "iot_module"))
    for s in family[0::2][:30]:
        hardneg.append(("imei", s["imei"], "family_shared_phone"))
    for s in switchers[:30]:
        hardneg.append(("msisdn", s["msisdn"], "phone_switcher"))
    hardneg.append(("imei", test_imei, "operator_test_equipment"))
    for s in roamers[:20]:
        hardneg.append(("msisdn", s["msisdn"], "roamer"))

    # ---------------- chain actors ----------------
    leak_day = min(3, max(1, D // 2))
    sinks_stock, sinks_live, sinks_modem, modems = [], [], [], []
    if chain:
        sinks_stock = pick(60 * scale, "sink_stock")
        for s in sinks_stock:
            s["status"] = "stock"
            s["activated"] = None
            s["channel"] = ""
            s["id_hash"] = ""
        sinks_live = pick(40 * scale, "sink_live")  # real people; their codes intercepted
        # modem pools: SIMs bulk-activated by one shady agent on few ID documents
        agent = "AG%04d" % rng.randrange(9000, 9999)
        ids = ["%016x" % rng.getrandbits(64) for _ in range(6)]
        act_day = T0 - 20 * DAY
        for mi in range(4 * scale):
            imei = new_imei(tacs_module)
            modems.append(imei)
            sims = pick(24, "sink_modem")
            for s in sims:
                s["imei"] = imei
                s["channel"] = agent
                s["id_hash"] = rng.choice(ids)
                s["activated"] = act_day + rng.randrange(7200)
            sinks_modem.append((imei, sims))
        for s in sinks_stock + sinks_live:
            truth.append(("msisdn", s["msisdn"], "otp_sink"))
        for imei, sims in sinks_modem:
            truth.append(("imei", imei, "sim_farm"))
            for s in sims:
                truth.append(("msisdn", s["msisdn"], "otp_sink"))
    w.subs, w.truth, w.hardneg = subs, truth, hardneg
    w.rng, w.N, w.D, w.chain, w.leak_day = rng, N, D, chain, leak_day
    w.sinks_stock, w.sinks_live, w.sinks_modem, w.modems = sinks_stock, sinks_live, sinks_modem, modems
    w.tacs_phone, w.tacs_module, w.nets = tacs_phone, tacs_module, nets
    w.new_imei, w.new_msisdn = new_imei, new_msisdn
    return w


# ----------------------------------------------------------------------------- writers

class Bad:
    """Rows the contract rejects: planted, counted, reported in bad_rows.csv."""

    def __init__(self):
        self.rows = []

    def add(self, table, reason):
        self.rows.append((table, reason))


def write_csv(path, header, rows, gz=False):
    if gz:
        f = io.TextIOWrapper(gzip.open(path, "wb", compresslevel=1), encoding="utf-8", newline="")
    else:
        f = open(path, "w", encoding="utf-8", newline="")
    with f:
        wr = csv.writer(f)
        wr.writerow(header)
        wr.writerows(rows)


def generate(args):
    w = build(args)
    rng, D, subs = w.rng, w.D, w.subs
    out = args.out
    os.makedirs(out, exist_ok=True)
    bad = Bad()
    nets = w.nets
    leak = w.leak_day
    ROGUE = "10.20.9.66"
    JUMP = rand_ip(rng, nets["hk"])
    JUMP2 = rand_ip(rng, nets["sg"])
    SMSCS = ["10.20.1.10", "10.20.1.11", "10.20.1.12"]
    M2M_GW = "10.20.2.40"

    # ======================= SMS =======================
    sms = []  # (ts, dir, msisdn_canon, peer, content, category, delivery_node)
    persons = [s for s in subs if s["kind"] in ("person", "otp_heavy", "family", "switcher", "roamer", "sink_live")]
    sub_canon = [s["msisdn"] for s in subs]
    for s in persons:
        m = s["msisdn"]
        my_svcs = rng.sample(SERVICES, rng.randint(2, 6))
        heavy = s["kind"] == "otp_heavy"
        if heavy:
            my_svcs = rng.sample(SERVICES, rng.randint(12, 22))
        for day in range(D):
            # personal SMS
            for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
                ts = human_ts(rng, day)
                peer = rng.choice(sub_canon)
                d = "MO" if rng.random() < 0.5 else "MT"
                sms.append((ts, d, m, peer, "", "personal", "radio" if d == "MT" else ""))
            # OTP for own logins
            n_otp = rng.choice((0, 0, 0, 1, 1, 2)) if not heavy else rng.randint(2, 8)
            for _ in range(n_otp):
                svc = rng.choice(my_svcs)
                ts = human_ts(rng, day)
                sms.append((ts, "MT", m, svc[0], otp_text(rng, svc[1]), "otp" if rng.random() < 0.7 else "", "radio"))
            if rng.random() < 0.5:
                ts = human_ts(rng, day)
                sms.append((ts, "MT", m, rng.choice(MARKETING), "【商城】双11预售开启，爆款低至5折，回T退订", "marketing" if rng.random() < 0.6 else "", "radio"))
            if rng.random() < 0.3:
                b = rng.choice(BANKS)
                ts = human_ts(rng, day)
                sms.append((ts, "MT", m, b[0], "【%s】您尾号%04d的账户于%s支出人民币%d.00元，余额请查询。" % (b[1], rng.randrange(10000), fmt_local(ts)[5:16], rng.randrange(5, 3000)), "notice", "radio"))
    # IoT SIMs: a status SMS now and then, delivered via the M2M gateway (an asset)
    for s in subs:
        if s["kind"] == "iot":
            for day in range(D):
                if rng.random() < 0.4:
                    ts = T0 + day * DAY + rng.randrange(DAY)
                    sms.append((ts, "MT", s["msisdn"], "10647000001", "CFG:REPORT=3600;APN=cmiot", "notice", M2M_GW))
                    sms.append((ts + 5, "MO", s["msisdn"], "10647000001", "ACK", "", ""))
    # marketing blast to 30% of subscribers on one evening (legit bulk job)
    blast_day = min(D - 1, 4)
    for s in subs:
        if s["status"] == "active" and rng.random() < 0.3:
            ts = T0 + blast_day * DAY + 19 * 3600 + rng.randrange(1800)
            sms.append((ts, "MT", s["msisdn"], "10690998877", "【某电商】国庆返场，全场满300减50，回T退订", "", "radio"))
    # operator-wide notice (bill notification from the operator itself)
    for s in subs:
        if s["status"] == "active" and s["kind"] != "iot" and rng.random() < 0.5:
            ts = T0 + min(D - 1, 1) * DAY + 9 * 3600 + rng.randrange(7200)
            sms.append((ts, "MT", s["msisdn"], "10086", "【中国移动】尊敬的客户，您本月话费账单已出，详询10086。", "notice", "radio"))

    # chain: sinks receive codes from many services, around the clock, from the leak day on
    chain_regs = []  # (ts, platform, account, msisdn, device, ip)
    proxies, tampered = [], []
    if w.chain:
        proxies = [rand_ip(rng, nets["cn"]) for _ in range(10)] + [rand_ip(rng, nets[c]) for c in ("hk", "us", "my", "jp", "sg")]
        all_sinks = [(s, "stock") for s in w.sinks_stock] + [(s, "live") for s in w.sinks_live] + \
                    [(s, "modem") for _, sims in w.sinks_modem for s in sims]
        acc_n = 0
        for s, how in all_sinks:
            m = s["msisdn"]
            start = leak + (rng.random() < 0.3)  # some numbers go bad a day later
            svcs_used = set()
            for day in range(start, D):
                for _ in range(rng.randint(1, 5)):  # only a few codes per day per number
                    # code platforms work in two shifts (09-18, 20-03), plus a trickle around the clock
                    r = rng.random()
                    if r < 0.45:
                        h = 9 + rng.randrange(9)
                    elif r < 0.9:
                        h = (20 + rng.randrange(7)) % 24
                    else:
                        h = rng.randrange(24)
                    ts = T0 + day * DAY + h * 3600 + rng.randrange(3600)
                    svc = rng.choice(SERVICES)
                    svcs_used.add(svc[0])
                    node = ROGUE if how in ("stock", "live") else "radio"
                    if how == "live" and rng.random() < 0.15:
                        node = "radio"  # a few slip through to the handset
                    cat = "otp" if rng.random() < 0.5 else ""
                    sms.append((ts, "MT", m, svc[0], otp_text(rng, svc[1]), cat, node))
                    if how == "modem" and rng.random() < 0.3:  # platform sends on behalf (代发短信)
                        sms.append((ts - 40, "MO", m, svc[0], "ZC", "", ""))
                    if svc[2] and rng.random() < 0.8:
                        acc_n += 1
                        plat = svc[2]
                        acc = {"wechat": "wxid_%s" % "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(14)),
                               "alipay": "2088%012d" % rng.randrange(10 ** 12),
                               "douyin": "dy%010d" % rng.randrange(10 ** 10),
                               "taobao": "tb_%08d" % rng.randrange(10 ** 8)}[plat]
                        if plat in ("wechat", "alipay"):
                            # IMEI-changing software: fresh forged IMEI per sign-up, some with bad Luhn
                            tac = rng.choice(w.tacs_phone) if rng.random() < 0.8 else "86%06d" % rng.randrange(10 ** 6)
                            body = tac + "%06d" % rng.randrange(10 ** 6)
                            dev = body + (luhn_digit(body) if rng.random() < 0.75 else str((int(luhn_digit(body)) + 3) % 10))
                            if tampered and rng.random() < 0.15:
                                dev = rng.choice(tampered)  # tool reuse
                            else:
                                tampered.append(dev)
                        elif plat == "douyin":
                            dev = "7%018d" % rng.randrange(10 ** 18)
                        else:
                            dev = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") for _ in range(24))
                        chain_regs.append((ts + rng.randrange(20, 90), plat, acc, m, dev, rng.choice(proxies)))
        # the gang also registers numbers of other operators through the same platform
        for _ in range(60):
            m, _c = w.new_msisdn()
            day = rng.randrange(leak, D)
            ts = T0 + day * DAY + rng.randrange(DAY)
            tac = rng.choice(w.tacs_phone)
            body = tac + "%06d" % rng.randrange(10 ** 6)
            dev = body + luhn_digit(body)
            tampered.append(dev)
            w.truth.append(("msisdn", m, "offnet_sink"))
            chain_regs.append((ts, "wechat", "wxid_%s" % "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(14)), m, dev, rng.choice(proxies)))
        for r in chain_regs:
            w.truth.append(("account", r[2], "bulk_account"))
        for d in sorted(set(tampered)):
            w.truth.append(("imei", d, "tampered_imei"))
        for p in proxies:
            w.truth.append(("ip", p, "proxy_ip"))
        w.truth.append(("ip", ROGUE, "rogue_host"))
        w.truth.append(("ip", JUMP, "jump_host"))
        w.truth.append(("ip", JUMP2, "jump_host"))
        w.truth.append(("user", "nm_liu", "insider"))

    # ======================= registrations (normal + hard negatives) =======================
    regs = list(chain_regs)

    def platform_dev(plat, s):
        if plat == "wechat":
            return s["imei"] if rng.random() < 0.45 else "wxdev_%016x" % rng.getrandbits(64)
        if plat == "alipay":
            return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") for _ in range(24))
        if plat == "douyin":
            return "7%018d" % rng.randrange(10 ** 18)
        return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(24))

    def acc_id(plat):
        return {"wechat": "wxid_%s" % "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(14)),
                "alipay": "2088%012d" % rng.randrange(10 ** 12),
                "douyin": "dy%010d" % rng.randrange(10 ** 10),
                "taobao": "tb_%08d" % rng.randrange(10 ** 8)}[plat]

    plats = ["wechat", "alipay", "douyin", "taobao"]
    home_ips = [rand_ip(rng, nets["cn"]) for _ in range(3000)]
    pers_active = [s for s in persons if s["kind"] != "sink_live"]
    for _ in range(int(len(subs) * 0.03)):
        s = rng.choice(pers_active)
        day = rng.randrange(D)
        ts = human_ts(rng, day)
        plat = rng.choice(plats)
        svc = PLATFORM_SVC[plat]
        sms.append((ts - 30, "MT", s["msisdn"], svc[0], otp_text(rng, svc[1]), "otp", "radio"))
        regs.append((ts, plat, acc_id(plat), s["msisdn"], platform_dev(plat, s), rng.choice(home_ips)))
    # corporate VPN gateway: many employees sign up from one egress over the week
    vpn = rand_ip(rng, nets["cn"])
    w.hardneg.append(("ip", vpn, "vpn_gateway"))
    for _ in range(45):
        s = rng.choice(pers_active)
        day = rng.randrange(D)
        ts = T0 + day * DAY + (9 + rng.randrange(9)) * 3600 + rng.randrange(3600)
        plat = rng.choice(plats)
        regs.append((ts, plat, acc_id(plat), s["msisdn"], platform_dev(plat, s), vpn))
    # campus NAT: a burst of sign-ups in two hours (freshmen promo event)
    nat = rand_ip(rng, nets["cn"])
    w.hardneg.append(("ip", nat, "nat_signup_burst"))
    bday = min(D - 1, 5)
    for _ in range(70):
        s = rng.choice(pers_active)
        ts = T0 + bday * DAY + 14 * 3600 + rng.randrange(7200)
        plat = rng.choice(("douyin", "wechat", "taobao"))
        svc = PLATFORM_SVC[plat]
        sms.append((ts - 25, "MT", s["msisdn"], svc[0], otp_text(rng, svc[1]), "", "radio"))
        regs.append((ts, plat, acc_id(plat), s["msisdn"], platform_dev(plat, s), nat))
    # family shared phone: three relatives register wechat on the same handset
    fam = [s for s in subs if s["kind"] == "family"]
    for a, b in list(zip(fam[0::2], fam[1::2]))[:10]:
        for s in (a, b):
            ts = human_ts(rng, rng.randrange(D))
            regs.append((ts, "wechat", acc_id("wechat"), s["msisdn"], a["imei"], rng.choice(home_ips)))
    # foreign numbers registering (students / visitors)
    for cc, ln in (("852", 8), ("60", 9), ("1", 10), ("44", 10)):
        for _ in range(5):
            num = cc + "".join(str(rng.randrange(1, 10)) for _ in range(ln))
            ts = human_ts(rng, rng.randrange(D))
            plat = rng.choice(plats)
            regs.append((ts, plat, acc_id(plat), num, platform_dev(plat, {"imei": w.new_imei(w.tacs_phone)}), rand_ip(rng, nets["hk"])))

    # ======================= attach =======================
    attach = []  # (ts, imsi, msisdn, imei, cell)
    cells_home = ["460-00-%d-%d" % (rng.randrange(20000, 22000), rng.randrange(1, 60000)) for _ in range(3000)]
    for s in subs:
        k = s["kind"]
        if s["status"] in ("stock", "cancelled"):
            continue
        if k == "sink_modem":
            continue
        if k == "test":
            continue
        cells = rng.sample(cells_home, 3)
        for day in range(D):
            n = rng.randint(1, 4) if k != "iot" else 1
            if s["status"] == "suspended" and rng.random() < 0.8:
                continue
            for _ in range(n):
                ts = human_ts(rng, day) if k != "iot" else T0 + day * DAY + rng.randrange(DAY)
                imei = s["imei"]
                if k == "switcher" and day >= 3:
                    imei = s["imei2"]
                cell = rng.choice(cells)
                if k == "roamer" and day in (2, 3, 4):
                    cell = "454-00-%d-%d" % (rng.randrange(100, 200), rng.randrange(1, 9999))
                attach.append((ts, s["imsi"], s["msisdn"] if rng.random() < 0.8 else "", imei, cell))
    # modem pools: one module IMEI, many IMSIs cycling through it, around the clock
    for imei, sims in w.sinks_modem:
        cell = rng.choice(cells_home)
        for day in range(D):
            for s in sims:
                for _ in range(rng.randint(1, 3)):
                    ts = T0 + day * DAY + rng.randrange(DAY)
                    attach.append((ts, s["imsi"], s["msisdn"], imei, cell))
    # operator lab test handset: cycles 12 test SIMs daytime on weekdays
    for day in range(D):
        if (day + 2) % 7 in (5, 6):
            continue  # weekend (T0 is Wednesday)
        for s in [x for x in subs if x["kind"] == "test"]:
            for _ in range(2):
                ts = T0 + day * DAY + (10 + rng.randrange(7)) * 3600 + rng.randrange(3600)
                attach.append((ts, s["imsi"], s["msisdn"], s["imei"], "460-00-20001-1"))
    # inbound roamers (foreign IMSIs, not our subscribers)
    for _ in range(60):
        imsi = "454" + "00" + "%010d" % rng.randrange(10 ** 10)
        msn = "852" + "%08d" % rng.randrange(50000000, 99999999)
        imei = w.new_imei(w.tacs_phone)
        for day in range(rng.randrange(D), D):
            attach.append((human_ts(rng, day), imsi, msn, imei, rng.choice(cells_home)))

    # ======================= calls =======================
    calls = []  # (ts, dir, msisdn, peer, dur, cell, imei)
    foreign_peers = ["85291234567", "14155550123", "447700900123", "639171234567", "60123456789"]
    for s in persons:
        cells = [rng.choice(cells_home)]
        for day in range(D):
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
                ts = human_ts(rng, day)
                peer = rng.choice(sub_canon) if rng.random() < 0.85 else (rng.choice(foreign_peers) if rng.random() < 0.1 else "86%s" % ("0571" + "%08d" % rng.randrange(10 ** 8))[:12])
                dur = 0 if rng.random() < 0.2 else int(rng.expovariate(1 / 90)) + 1
                imei = s.get("imei2") if (s["kind"] == "switcher" and day >= 3) else s["imei"]
                calls.append((ts, "MO" if rng.random() < 0.5 else "MT", s["msisdn"], peer, dur, cells[0], imei if rng.random() < 0.7 else ""))

    # ======================= flows / assets =======================
    flows = []  # (ts_start, ts_end, src, dst, sport, dport, proto, bytes, packets)
    assets = [
        ("10.20.1.10", "smsc-01", "ops_chen", "smsc", "signalling"),
        ("10.20.1.11", "smsc-02", "ops_chen", "smsc", "signalling"),
        ("10.20.1.12", "smsc-03", "ops_chen", "smsc", "signalling"),
        ("10.20.2.40", "m2m-gw-01", "iot_team", "smsc", "signalling"),
        ("10.20.3.0/28", "stp-cluster", "ops_chen", "stp", "signalling"),
        ("10.30.0.0/24", "oss-farm", "ops_admin", "oss", "mgmt"),
        ("10.30.5.20", "bss-db-01", "dba_wang", "db", "mgmt"),
        ("10.30.5.21", "bss-db-02", "dba_wang", "db", "mgmt"),
        ("10.10.0.5", "jump-01", "sec_zhao", "jump", "mgmt"),
        ("10.10.0.9", "monitor-01", "ops_admin", "monitor", "mgmt"),
        ("10.10.0.12", "backup-01", "ops_admin", "backup", "mgmt"),
        ("10.10.0.20", "vpn-gw", "sec_zhao", "vpn", "mgmt"),
        ("172.16.0.0/16", "office-lan", "it_desk", "office", "office"),
        ("2408:8000:1a2b::/48", "mgmt-v6", "ops_admin", "oss", "mgmt"),
        ("2408:8000:1a2b::10", "smsc-v6-01", "ops_chen", "smsc", "signalling"),
    ]
    new_hosts = ["10.30.7.15", "10.30.7.16", "10.30.7.17"]  # created mid-week, added to inventory
    for i, h in enumerate(new_hosts):
        assets.append((h, "oss-new-%02d" % (i + 1), "ops_admin", "oss", "mgmt"))
    for h in new_hosts:
        w.hardneg.append(("ip", h, "new_host_in_inventory"))
    vendor = rand_ip(rng, nets["se"])  # vendor remote support into the jump host
    telemetry = rand_ip(rng, nets["us"])  # vendor cloud telemetry from a monitored probe
    probe = "10.10.0.33"
    assets.append((probe, "vendor-probe", "ops_chen", "probe", "mgmt"))
    w.hardneg.append(("ip", vendor, "vendor_remote_support"))
    w.hardneg.append(("ip", telemetry, "vendor_telemetry"))
    w.hardneg.append(("ip", "10.30.5.20", "db_nightly_backup"))
    office = ["172.16.%d.%d" % (rng.randrange(1, 40), rng.randrange(2, 250)) for _ in range(60)]
    liu_ws = "172.16.8.23"
    stp = ["10.20.3.%d" % i for i in range(1, 15)]
    oss = ["10.30.0.%d" % i for i in range(2, 40)]
    ntp = rand_ip(rng, nets["cn"])

    def flow(ts, dur, src, dst, sp, dp, proto, by):
        flows.append((ts, ts + dur, src, dst, sp, dp, proto, by, max(1, by // 800)))

    for day in range(D):
        base = T0 + day * DAY
        # SMSC <-> STP signalling, every 5 min, v4 and one v6 smsc
        for k in range(0, DAY, 300):
            for sm in SMSCS:
                flow(base + k, 300, sm, rng.choice(stp), 2905, 2905, "sctp", rng.randrange(200000, 900000))
            flow(base + k, 300, "2408:8000:1a2b::10", "2408:8000:1a2b::1", 2905, 2905, "sctp", rng.randrange(100000, 300000))
        # monitoring polls every 10 min
        for k in range(0, DAY, 600):
            for t in SMSCS + ["10.30.5.20", "10.30.5.21"] + oss[:5]:
                flow(base + k, 2, "10.10.0.9", t, rng.randrange(30000, 60000), 10050, "tcp", rng.randrange(400, 1500))
        # office admins -> jump -> oss during working hours
        for _ in range(400):
            ts = base + (9 + rng.randrange(9)) * 3600 + rng.randrange(3600)
            src = rng.choice(office)
            flow(ts, rng.randrange(60, 3600), src, "10.10.0.5", rng.randrange(30000, 60000), 22, "tcp", rng.randrange(10 ** 4, 10 ** 6))
            flow(ts + 5, rng.randrange(60, 3000), "10.10.0.5", rng.choice(oss), rng.randrange(30000, 60000), 22, "tcp", rng.randrange(10 ** 4, 10 ** 6))
        for _ in range(300):
            ts = base + rng.randrange(DAY)
            flow(ts, rng.randrange(1, 30), rng.choice(oss), rng.choice(("10.30.5.20", "10.30.5.21")), rng.randrange(30000, 60000), 1521, "tcp", rng.randrange(10 ** 3, 10 ** 6))
        # nightly DB backup (large)
        flow(base + 3600, 5400, "10.30.5.20", "10.10.0.12", 40000, 873, "tcp", rng.randrange(8 * 10 ** 10, 12 * 10 ** 10))
        # NTP
        for k in range(0, DAY, 1024):
            flow(base + k, 1, "10.10.0.9", ntp, 123, 123, "udp", 180)
        # vendor probe telemetry to a US cloud: regular every 15 min (legit, inventoried)
        for k in range(0, DAY, 900):
            flow(base + k + rng.randrange(5), 3, probe, telemetry, rng.randrange(30000, 60000), 443, "tcp", rng.randrange(3000, 9000))
        # vendor remote support sessions on two days, via the VPN gateway into the jump host
        if day in (1, 4):
            ts = base + 14 * 3600
            flow(ts, 7200, vendor, "10.10.0.20", 50123, 443, "tcp", rng.randrange(10 ** 7, 10 ** 8))
            flow(ts + 60, 7000, "10.10.0.20", "10.10.0.5", 40001, 22, "tcp", rng.randrange(10 ** 6, 10 ** 7))
        # new hosts (from day 2) talk to db
        if day >= 2:
            for h in new_hosts:
                for _ in range(40):
                    flow(base + rng.randrange(DAY), rng.randrange(1, 20), h, "10.30.5.21", rng.randrange(30000, 60000), 1521, "tcp", rng.randrange(10 ** 3, 10 ** 5))
    if w.chain:
        created = T0 + (leak - 1) * DAY + 2 * 3600 + 17 * 60  # 02:17 the night before the leak
        # insider's workstation sets the host up
        flow(created, 1800, liu_ws, ROGUE, 51022, 22, "tcp", 4 * 10 ** 6)
        # long-lived tunnel to the rented foreign host, re-established daily, plus beacons
        t = created + 3600
        end = T0 + D * DAY
        while t < end:
            dur = rng.randrange(6 * 3600, 20 * 3600)
            flow(t, min(dur, end - t - 1), ROGUE, JUMP, rng.randrange(40000, 60000), 443, "tcp", rng.randrange(5 * 10 ** 7, 3 * 10 ** 8))
            t += dur + rng.randrange(30, 300)
        t = created + 3600
        while t < end:
            flow(t, 1, ROGUE, JUMP2, rng.randrange(40000, 60000), 8443, "tcp", rng.randrange(300, 700))
            t += 600 + rng.randrange(-20, 21)
        # SMSC hands intercepted MTs to the rogue box (SMPP)
        for r in sms:
            if r[6] == ROGUE:
                flow(r[0] - 1, 1, rng.choice(SMSCS), ROGUE, 2775, rng.randrange(40000, 60000), "tcp", rng.randrange(300, 900))

    # ======================= audit =======================
    audit = []  # (ts, user, action, object, count, src_ip)
    agents = ["cs_%03d" % i for i in range(40)]
    agent_ip = {a: rng.choice(office) for a in agents}
    for day in range(D):
        wk = (day + 2) % 7 not in (5, 6)
        for a in agents:
            audit.append((T0 + day * DAY + 8 * 3600 + 1800 + rng.randrange(1800), a, "login", "crm", "", agent_ip[a]))
            for _ in range(rng.randint(20, 70) if wk else rng.randint(0, 15)):
                ts = T0 + day * DAY + (9 + rng.randrange(9)) * 3600 + rng.randrange(3600)
                audit.append((ts, a, "query", "subscriber", 1, agent_ip[a]))
        for _ in range(30):
            ts = T0 + day * DAY + (9 + rng.randrange(10)) * 3600 + rng.randrange(3600)
            audit.append((ts, "chan_%02d" % rng.randrange(12), "provision", "sim_card", rng.randint(1, 5), rng.choice(office)))
        # daily ETL export at 02:00 (scheduled)
        audit.append((T0 + day * DAY + 2 * 3600 + rng.randrange(60), "etl_batch", "export", "cdr_daily", rng.randrange(2 * 10 ** 6, 3 * 10 ** 6), "10.30.0.7"))
        # network ops routine
        for _ in range(6):
            audit.append((T0 + day * DAY + (10 + rng.randrange(7)) * 3600, "ops_chen", "query", "sms_route", rng.randint(1, 50), "172.16.3.14"))
    # weekly BI export of the number pool, Sunday 03:00 (scheduled; looks like a bulk pool export)
    sunday = (4 - 0) % 7  # T0 is Wednesday -> Sunday is day 4
    if sunday < D:
        audit.append((T0 + sunday * DAY + 3 * 3600 + 12, "etl_weekly", "export", "number_pool", 1250000, "10.30.0.8"))
    w.hardneg.append(("user", "etl_weekly", "scheduled_weekly_export"))
    w.hardneg.append(("user", "etl_batch", "scheduled_daily_export"))
    # DBA: one-off daytime export for an audit
    audit.append((T0 + min(D - 1, 3) * DAY + 15 * 3600 + 7 * 60, "dba_wang", "login", "bss-db-01", "", "172.16.5.30"))
    audit.append((T0 + min(D - 1, 3) * DAY + 15 * 3600 + 20 * 60, "dba_wang", "export", "subscriber_audit_2025Q3", 320000, "172.16.5.30"))
    w.hardneg.append(("user", "dba_wang", "one_off_audit_export"))
    # ops_admin creates hosts that are in the inventory
    for i, h in enumerate(new_hosts):
        audit.append((T0 + 2 * DAY + 10 * 3600 + i * 600, "ops_admin", "create_host", h, 1, "172.16.3.2"))
    w.hardneg.append(("user", "ops_admin", "creates_inventoried_hosts"))
    if w.chain:
        src = liu_ws
        # a legitimate-looking daytime presence ...
        for day in range(D):
            audit.append((T0 + day * DAY + 9 * 3600 + rng.randrange(1800), "nm_liu", "login", "oss", "", src))
        # ... and the night work
        for day in range(max(0, leak - 2), D):
            base = T0 + day * DAY
            audit.append((base + 23 * 3600 + rng.randrange(1800), "nm_liu", "login", "oss", "", src))
            for _ in range(rng.randint(3, 8)):
                audit.append((base + 23 * 3600 + 1800 + rng.randrange(5400), "nm_liu", "query", "number_pool", rng.randrange(2000, 20000), src))
        audit.append((created - 1200, "nm_liu", "create_host", ROGUE, 1, src))
        audit.append((created + 3000, "nm_liu", "modify", "sms_route", 3, src))
        audit.append((T0 + (leak - 1) * DAY + 1 * 3600 + 40 * 60, "nm_liu", "export", "number_pool", 48000, src))
        audit.append((T0 + (leak + 1) * DAY + 2 * 3600 + 5 * 60, "nm_liu", "export", "number_pool", 52000, src))

    # ======================= cases / transfers =======================
    cases, transfers = [], []

    def bank_acct():
        return "6222%015d" % rng.randrange(10 ** 15)

    people_accts = [bank_acct() for _ in range(4000)]
    case_no = [1000]

    def cid():
        case_no[0] += rng.randint(1, 40)
        return "JJ2025%06d" % case_no[0]

    if w.chain:
        l1 = [bank_acct() for _ in range(8)]
        l2 = [bank_acct() for _ in range(5)]
        l3 = [bank_acct() for _ in range(3)]
        for a in l1 + l2 + l3:
            w.truth.append(("account", a, "mule"))
        wx = [r for r in chain_regs if r[1] == "wechat" and r[0] < T0 + (D - 1) * DAY]
        rng.shuffle(wx)
        for i in range(20):
            r = wx[i % len(wx)]
            c = cid()
            ts = r[0] + rng.randrange(DAY // 2, 2 * DAY)
            ts = min(ts, T0 + D * DAY - 3600)
            loss = rng.choice((150000, 80000, 48000, 230000, 99000, 120000, 30000))
            payee = rng.choice(l1)
            victim_acct = rng.choice(people_accts)
            victim = rng.choice(persons)["msisdn"]
            fm = r[3] if rng.random() < 0.4 else ""
            fa = r[2] if i % 5 != 4 else ""  # some cases only name the payee account
            cases.append((c, ts, victim, "%d.00" % loss if rng.random() < 0.5 else str(loss), "impersonate_boss", "wechat", fa, fm, payee))
            transfers.append((ts - 3600, victim_acct, payee, str(loss)))
            # layering
            rest = loss
            t = ts - 3000
            while rest > 0:
                part = min(rest, rng.choice((20000, 30000, 49000)))
                transfers.append((t, payee, rng.choice(l2), "%d.00" % part))
                t += rng.randrange(60, 600)
                rest -= part
            w.truth.append(("case", c, "linked_case"))
        for a in l2:
            for _ in range(6):
                transfers.append((T0 + rng.randrange(leak * DAY, D * DAY), a, rng.choice(l3), "%d.00" % rng.randrange(20000, 90000)))
    # the unrelated gang (investment scams by phone, own numbers and mules)
    og_mules = [bank_acct() for _ in range(5)]
    og_nums = ["63917%07d" % rng.randrange(10 ** 7) for _ in range(3)] + [w.new_msisdn()[0] for _ in range(3)]
    og_accts = ["wxid_og%010d" % rng.randrange(10 ** 10) for _ in range(3)]
    for a in og_mules:
        w.truth.append(("account", a, "other_gang_mule"))
    for m in og_nums:
        w.truth.append(("msisdn", m, "other_gang_msisdn"))
    for a in og_accts:
        w.truth.append(("account", a, "other_gang_account"))
    for i in range(8):
        c = cid()
        ts = T0 + rng.randrange(D * DAY)
        loss = rng.randrange(5000, 400000)
        payee = rng.choice(og_mules)
        cases.append((c, ts, rng.choice(persons)["msisdn"], str(loss), rng.choice(("investment", "customer_service")), rng.choice(("call", "wechat")),
                      rng.choice(og_accts) if rng.random() < 0.5 else "", rng.choice(og_nums), payee))
        transfers.append((ts - 7200, rng.choice(people_accts), payee, str(loss)))
        w.truth.append(("case", c, "other_gang_case"))
    # normal transfers, payroll, merchant
    for _ in range(6000):
        transfers.append((human_ts(rng, rng.randrange(D)), rng.choice(people_accts), rng.choice(people_accts), "%d.%02d" % (rng.randrange(1, 5000), rng.randrange(100))))
    payroll = bank_acct()
    w.hardneg.append(("account", payroll, "payroll"))
    pday = min(D - 1, 2)  # the 10th
    for a in rng.sample(people_accts, 300):
        transfers.append((T0 + pday * DAY + 10 * 3600 + rng.randrange(600), payroll, a, "%d.00" % rng.randrange(4000, 25000)))
    transfers.append((T0 + pday * DAY + 8 * 3600, bank_acct(), payroll, "4500000.00"))
    merchant, supplier = bank_acct(), bank_acct()
    w.hardneg.append(("account", merchant, "merchant_collect_forward"))
    for day in range(D):
        tot = 0
        for _ in range(40):
            amt = rng.randrange(20, 400)
            tot += amt
            transfers.append((human_ts(rng, day), rng.choice(people_accts), merchant, str(amt)))
        transfers.append((T0 + day * DAY + 22 * 3600, merchant, supplier, "%d.00" % int(tot * 0.9)))

    # ======================= write =======================
    # subscribers.csv: extra column, mixed timestamp formats, empty optionals
    rows = []
    for s in subs:
        act = "" if s["activated"] is None else fmt_ts_mixed(rng, s["activated"])
        rows.append((fmt_msisdn(rng, s["msisdn"]), s["imsi"], act, s["channel"], s["id_hash"], s["status"], rng.choice(("", "", "vip", "e-sim"))))
    rows.append(("1331234567X", "460001234567890", "", "CH0001", "", "active", "bad row"))
    bad.add("subscribers", "msisdn not a number")
    write_csv(os.path.join(out, "subscribers.csv"), ["msisdn", "imsi", "activated_at", "channel", "id_hash", "status", "remark"], rows)

    # sms/: gzip parts, duplicates, mixed ts, an extra column
    sms.sort(key=lambda r: r[0])
    os.makedirs(os.path.join(out, "sms"), exist_ok=True)
    rows = []
    for r in sms:
        ts, d, m, peer, content, cat, node = r
        tsv = fmt_rfc(ts) if rng.random() < 0.7 else (fmt_local(ts) if rng.random() < 0.6 else str(ts))
        row = (tsv, d, fmt_msisdn(rng, m), peer, content, cat, node, "GW%d" % rng.randrange(4))
        rows.append(row)
        if rng.random() < 0.004:
            rows.append(row)  # exported twice
    for reason, row in (("bad timestamp", ("2025-13-40 25:61:00", "MT", "13312345678", "10690", "", "", "radio", "")),
                        ("bad direction", (fmt_rfc(T0 + 100), "XX", "13312345678", "10690", "", "", "radio", "")),
                        ("empty msisdn", (fmt_rfc(T0 + 200), "MT", "", "10690", "", "", "radio", ""))):
        rows.insert(rng.randrange(len(rows)), row)
        bad.add("sms", reason)
    hdr = ["ts", "direction", "msisdn", "peer", "content", "category", "delivery_node", "gateway"]
    nparts = 4
    step = len(rows) // nparts + 1
    for p in range(nparts):
        write_csv(os.path.join(out, "sms", "part-%04d.csv.gz" % (p + 1)), hdr, rows[p * step:(p + 1) * step], gz=True)
    n_sms = len(rows)

    # calls.csv: mixed-case header, local timestamps
    calls.sort(key=lambda r: r[0])
    rows = []
    for r in calls:
        row = (fmt_local(r[0]), r[1], fmt_msisdn(rng, r[2]), fmt_msisdn(rng, r[3]) if r[3].startswith("86") else "+" + r[3], r[4], r[5], r[6])
        rows.append(row)
        if rng.random() < 0.003:
            rows.append(row)
    rows.insert(rng.randrange(len(rows)), (fmt_local(T0 + 500), "MO", "13312345678", "13312345679", "abc", "", ""))
    bad.add("calls", "duration not a number")
    write_csv(os.path.join(out, "calls.csv"), ["TS", "Direction", "MSISDN", "Peer", "Duration_S", "Cell_ID", "IMEI"], rows)
    n_calls = len(rows)

    # attach.csv: epoch seconds, IMEISV (16) and 14-digit IMEIs mixed in
    attach.sort(key=lambda r: r[0])
    rows = []
    for ts, imsi, msn, imei, cell in attach:
        r = rng.random()
        if r < 0.05:
            iv = imei[:14] + "%02d" % rng.randrange(100)
        elif r < 0.1:
            iv = imei[:14]
        else:
            iv = imei
        rows.append((ts, imsi, fmt_msisdn(rng, msn) if msn else "", iv, cell))
    rows.insert(rng.randrange(len(rows)), (T0 + 300, "46000123", "", "35123456789012", "x"))
    bad.add("attach", "imsi not 15 digits")
    rows.insert(rng.randrange(len(rows)), (T0 + 300, "460001234567891", "", "3512345678901", "x"))
    bad.add("attach", "imei 13 digits")
    write_csv(os.path.join(out, "attach.csv"), ["ts", "imsi", "msisdn", "imei", "cell_id"], rows)
    n_attach = len(rows)

    # registrations.ndjson: RFC3339 Z or epoch numbers, extra field, empty device ids
    regs.sort(key=lambda r: r[0])
    chain_accts = {r[2] for r in chain_regs}  # keep every planted device id visible
    with open(os.path.join(out, "registrations.ndjson"), "w", encoding="utf-8") as f:
        for ts, plat, acc, m, dev, ip in regs:
            o = {"ts": fmt_rfcz(ts) if rng.random() < 0.7 else ts, "platform": plat, "account_id": acc,
                 "msisdn": fmt_msisdn(rng, m), "device_id": dev if (acc in chain_accts or rng.random() > 0.03) else "", "ip": ip,
                 "app_version": "8.0.%d" % rng.randrange(50)}
            f.write(json.dumps(o, ensure_ascii=False) + "\n")
    n_regs = len(regs)

    # flows.csv: epoch seconds; IPv6 included
    flows.sort(key=lambda r: r[0])
    write_csv(os.path.join(out, "flows.csv"), ["ts_start", "ts_end", "src_ip", "dst_ip", "src_port", "dst_port", "proto", "bytes", "packets"], flows)
    write_csv(os.path.join(out, "assets.csv"), ["ip", "hostname", "owner", "role", "network"], assets)

    audit.sort(key=lambda r: r[0])
    rows = [(fmt_local(r[0]), r[1], r[2], r[3], r[4], r[5], "S%08x" % rng.getrandbits(32)) for r in audit]
    write_csv(os.path.join(out, "audit.csv"), ["ts", "user", "action", "object", "record_count", "src_ip", "session_id"], rows)

    rows = [(c[0], fmt_rfc(c[1]), fmt_msisdn(rng, c[2]), c[3], c[4], c[5], c[6], fmt_msisdn(rng, c[7]) if c[7] else "", c[8]) for c in cases]
    write_csv(os.path.join(out, "cases.csv"), ["case_id", "reported_at", "victim_msisdn", "loss", "fraud_type", "channel", "fraud_account", "fraud_msisdn", "payee_account"], rows)
    transfers.sort(key=lambda r: r[0])
    rows = [(fmt_ts_mixed(rng, t[0]), t[1], t[2], t[3]) for t in transfers]
    rows.insert(rng.randrange(len(rows)), (fmt_rfc(T0 + 1000), people_accts[0], people_accts[1], "12,50"))
    bad.add("transfers", "amount with comma")
    write_csv(os.path.join(out, "transfers.csv"), ["ts", "from_account", "to_account", "amount"], rows)

    # truth and hard negatives
    seen = set()
    in_transfers = {t[1] for t in transfers} | {t[2] for t in transfers}
    w.truth = [t for t in w.truth if not (t[2] == "mule" and t[1] not in in_transfers)]  # unused mules are invisible
    with open(os.path.join(out, "truth.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["entity_type", "entity_id", "label"])
        for t in w.truth:
            if (t[0], t[1]) in seen:
                continue
            seen.add((t[0], t[1]))
            wr.writerow(t)
    with open(os.path.join(out, "hard_negatives.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["entity_type", "entity_id", "kind"])
        for t in w.hardneg:
            if (t[0], t[1]) not in seen:
                wr.writerow(t)
    with open(os.path.join(out, "bad_rows.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["table", "reason"])
        wr.writerows(bad.rows)
    print("wrote %s: subscribers=%d sms=%d calls=%d attach=%d registrations=%d flows=%d audit=%d cases=%d transfers=%d truth=%d planted_bad=%d"
          % (out, len(subs), n_sms, n_calls, n_attach, n_regs, len(flows), len(audit), len(cases), len(transfers), len(seen), len(bad.rows)), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--subscribers", type=int, default=50000)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenario", choices=("chain", "clean"), default="chain")
    ap.add_argument("--reference", default=os.environ.get("REFERENCE", DEFAULT_REF))
    args = ap.parse_args()
    generate(args)


if __name__ == "__main__":
    main()
