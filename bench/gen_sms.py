#!/usr/bin/env python3
"""Writes a large, realistic `sms.csv` (contract columns) for the ingest benchmark.

Deterministic for a given size. Rows mix OTPs with 【签名】 signatures, notices,
marketing and personal messages (some quoted, with commas), local times in
Asia/Shanghai, numbers in several spellings, and delivery nodes.
"""
import random
import sys

def main():
    out, target_mb = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1100
    rnd = random.Random(20251014)
    services = [(f"10690{rnd.randrange(10**5):05d}", name) for name in
                ["微信", "支付宝", "抖音", "京东", "淘宝", "美团", "拼多多", "滴滴出行", "小红书", "饿了么", "快手", "百度", "QQ", "网易", "中国银行", "招商银行"]]
    otp = ["【{s}】验证码{c}，5分钟内有效，请勿泄露给他人。", "【{s}】您的登录验证码是{c}，如非本人操作请忽略。",
           "\"[{s}] Your verification code is {c}, valid for 10 minutes.\"", "【{s}】动态码{c}，用于身份校验，切勿告知他人。"]
    other = [("notice", "【中国电信】您本月账单已出，话费{c}元，详情请登录掌上营业厅。"),
             ("marketing", "【{s}】双十一大促，满300减50，点击 t.cn/{c} 领取，回T退订"),
             ("personal", "晚上{c}点一起吃饭吗"), ("personal", "\"ok, see you at {c}\"")]
    base = 1760371200  # 2025-10-14 00:00:00 +08:00
    size = 0
    limit = target_mb * 1_000_000
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("ts,direction,msisdn,peer,content,category,delivery_node\n")
        while size < limit:
            lines = []
            for _ in range(50_000):
                t = base + rnd.randrange(86400 * 7)
                h, rem = divmod(t - 1760371200 + 8 * 3600, 3600)
                day, hh = divmod(h, 24)
                ts = f"2025-10-{14 + day:02d} {hh:02d}:{rem // 60:02d}:{rem % 60:02d}"
                n = 13300000000 + rnd.randrange(2_000_000) * 37
                msisdn = str(n) if rnd.random() < 0.8 else f"+86{n}"
                code, name = services[rnd.randrange(len(services))]
                r = rnd.random()
                if r < 0.3:
                    content, cat, direction, peer = rnd.choice(otp).format(s=name, c=rnd.randrange(100000, 999999)), "otp", "MT", code
                else:
                    cat, tpl = rnd.choice(other)
                    content = tpl.format(s=name, c=rnd.randrange(1, 999))
                    direction = "MO" if cat == "personal" and rnd.random() < 0.5 else "MT"
                    peer = str(13300000000 + rnd.randrange(2_000_000) * 37) if cat == "personal" else code
                node = "radio" if rnd.random() < 0.97 else f"10.20.{rnd.randrange(4)}.{rnd.randrange(1, 255)}"
                lines.append(f"{ts},{direction},{msisdn},{peer},{content},{cat},{node}\n")
            block = "".join(lines)
            f.write(block)
            size += len(block.encode("utf-8"))

if __name__ == "__main__":
    main()
