"""The fragments Korean news boilerplate rules are built from: reporter names and titles,
desks, e-mail addresses, outlet names, wire services, photo agencies."""

from __future__ import annotations

EMAIL = r"[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
NAME = r"(?!선임|수석|인턴|객원|전문|사진|취재)[가-힣]{2,4}"
TITLE = r"(?:선임기자|수석기자|인턴기자|객원기자|전문기자|사진기자|취재기자|기자|특파원|논설위원|편집위원|통신원)"
DESK = r"(?:[가-힣A-Za-z]{1,10}(?:부|팀|국|실|센터|본부)|디지털뉴스[가-힣]{0,2})"
NAMES = rf"{NAME}(?:\s+{NAME}){{0,3}}"
WIRES = r"연합뉴스TV|연합뉴스|뉴시스|뉴스1"  # wire services whose photo items open with a dateline
# how outlet names end ("[한빛일보]", "<한빛뉴스24>", "[한빛스포츠]")
OUTLET_END = r"일보|신문|경제|뉴스|닷컴|스포츠|동아|한겨레|24|TV|미디어|타임스|데일리"
OUTLET = rf"(?:[가-힣A-Za-z0-9]{{1,10}}(?:{OUTLET_END})|한겨레)"
BYLINE_NAMES = rf"{NAME}\s?(?:{DESK}\s)?{TITLE}(?:\s*[/·,]\s*{NAME}\s?(?:{DESK}\s)?{TITLE})*"
# who photo credits name when glued to the next sentence (picture agencies, pools, wires)
CREDIT_OWNERS = (r"게티이미지뱅크|게티이미지코리아|게티이미지|Getty\s?Images(?:\s?Bank)?|사진공동취재단|공동취재단|"
                 r"연합뉴스|뉴스1|뉴시스|셔터스톡|Shutterstock|클립아트코리아|아이클릭아트|픽사베이|Pixabay|123RF|"
                 r"AFP|EPA|로이터|데일리안|여성신문|이미지투데이|중앙포토|연합뉴스TV")
