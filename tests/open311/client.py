"""Drives aduan's Open311 GeoReport v2 endpoint with a published client
(georeport from PyPI, which nobody here wrote) and, for posting (which that
client does not do), plain form-encoded `requests` as the standard says.

usage: client.py BASE_URL post API_KEY  |  client.py BASE_URL get ID
Prints one JSON document.
"""
import json
import sys

import requests
from georeport import GeoReport

base, mode = sys.argv[1], sys.argv[2]
client = GeoReport(base)
if mode == "post":
    r = requests.post(
        f"{base}/requests.json",
        data={
            "api_key": sys.argv[3],
            "service_code": client.get_service_list()[0]["service_code"],
            "lat": "-10.1772",
            "long": "123.6070",
            "first_name": "Yakobus",
            "last_name": "Nalle",
            "phone": "081339001122",
            "description": "Bantuan PKH belum diterima sejak tiga bulan.\nMohon ditindaklanjuti.",
        },
    )
    print(json.dumps({"status": r.status_code, "body": r.json()}))
else:
    rid = sys.argv[3]
    print(json.dumps({
        "services": client.get_service_list(),
        "one": client.get_service_request(rid),
        "many": client.get_service_requests(service_request_id=rid),
    }))
