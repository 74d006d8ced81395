#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""smtpload.py - inject a load into an SMTP listener, as a real client
would: THREADS connections at once, each message one recipient; a 4xx
reply (an MTA-STS "not yet" at RCPT) is retried later, a 5xx is fatal.

  smtpload.py IP PORT THREADS RETRY_SECONDS RCPT_FILE OUT_FILE

RCPT_FILE: one recipient per line, in sending order. OUT_FILE gets one
line per accepted message ("ok RCPT") and a summary "sent N retried M".
Exits 1 when any message could not be sent within RETRY_SECONDS.
"""
import smtplib
import sys
import threading
import time
from email.message import EmailMessage

ip, port, threads, budget, rcpt_file, out_file = sys.argv[1:7]
port, threads, budget = int(port), int(threads), float(budget)
todo = [l.strip() for l in open(rcpt_file) if l.strip()]
lock = threading.Lock()
done, failed, retried = [], [], [0]
deadline = time.time() + budget


def worker(mine):
    queue = list(mine)
    conn = None
    while queue and time.time() < deadline:
        rcpt = queue.pop(0)
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "load@sender.test", rcpt, "load"
        m.set_content("load test body\n")
        try:
            if conn is None:
                conn = smtplib.SMTP(ip, port, local_hostname="client.test",
                                    timeout=30)
            conn.send_message(m, "load@sender.test", [rcpt])
            with lock:
                done.append(rcpt)
        except smtplib.SMTPRecipientsRefused as e:
            code = list(e.recipients.values())[0][0]
            if code >= 500:
                with lock:
                    failed.append("%s %s" % (rcpt, e.recipients))
                continue
            with lock:
                retried[0] += 1
            queue.append(rcpt)       # "not yet": later, as a client would
            time.sleep(0.5)
            try:
                conn.rset()
            except (OSError, smtplib.SMTPException):
                conn = None
        except (OSError, smtplib.SMTPException) as e:
            queue.append(rcpt)
            with lock:
                retried[0] += 1
            conn = None
            time.sleep(0.5)
    with lock:
        failed.extend(queue)
    if conn is not None:
        try:
            conn.quit()
        except (OSError, smtplib.SMTPException):
            pass


ts = [threading.Thread(target=worker, args=(todo[i::threads],))
      for i in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
with open(out_file, "w") as f:
    for r in done:
        f.write("ok %s\n" % r)
    for r in failed:
        f.write("failed %s\n" % r)
    f.write("sent %d retried %d\n" % (len(done), retried[0]))
sys.exit(1 if failed else 0)
