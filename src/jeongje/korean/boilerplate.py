"""Korean news boilerplate: datelines, bylines, captions, promos, UI strings, broadcast marks.

Each rule is a named regex with the kind of boilerplate it finds; `find_boilerplate`
returns non-overlapping spans with what they say (reporters, dateline city, publisher)
so that a stage can move the facts to metadata and remove the text. Patterns follow the
formats collected in the shared research notes (§2a-2b, with the pitfalls listed there:
ASCII-only e-mail local parts, bylines only at the head/tail unless an e-mail or a wrapper
makes them unambiguous, `[속보]` and in-body `… 기자였다` kept).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import ahocorasick_rs

from .patterns import BYLINE_NAMES as _BYLINE_NAMES
from .patterns import CREDIT_OWNERS as _CREDIT_OWNERS
from .patterns import DESK, EMAIL, NAME, TITLE
from .patterns import NAMES as _NAMES
from .patterns import OUTLET as _OUTLET
from .patterns import OUTLET_END as _OUTLET_END
from .patterns import WIRES as _WIRES
from .tails import end_byline, glued_credits, tail_block

# how a photo caption ends: "…하고 있다.", "… 모습.", "… 전경", a ⓒ credit, a date stamp
_CAPTION_END = (r"(?:(?:있다|모습|전경|기념촬영|사진|제공)[^\s▲.]{0,3}\.?|\s?ⓒ\s?[가-힣A-Za-z]{2,10}(?=\s|$)|\]"
                rf"|\s\d{{4}}\.\d{{1,2}}\.\d{{1,2}}\.?\s*{EMAIL})")

# (kind, pattern, needs, gate, near). `needs`: groups of literals; a rule runs only on a
# text holding at least one literal of every group (literals every match contains, so the
# check never changes a result). All rules' literals are found in one Aho-Corasick pass
# over the text. `gate`: a regex searched in the whole text; with `near` > 0 the rule runs
# only within that many characters around each gate match (for patterns that open with a
# broad character class and would otherwise be tried at every position of a long text);
# `near` < 0 runs the rule on the first -near characters only (rules anchored at the head).
# Gate regexes open with a literal, so `re` finds their candidates by a fast substring
# search (context before it goes in a lookbehind). Order matters only for overlaps: longer
# spans win.
_RULES: list[tuple] = [
    # a photo caption that carries its own dateline, before the real dateline (wire copy)
    ("caption", rf"[(\[]\s*[가-힣]{{1,12}}(?:\[[^\]\n]{{1,10}}\])?\s*=\s*[^\[\]()=\n]{{1,15}}[)\]]\s*{_NAMES}\s*{TITLE}\s*=[^\n]{{0,200}}?"
                rf"\d{{4}}\.\d{{1,2}}\.\d{{1,2}}\.?\s*{EMAIL}(?=\s*[(\[][^=\n]{{1,20}}=)", (("@",), ("=",)), None, 0),
    # (서울=한빛뉴스) 김민준 기자 =   [부산=새누리통신] 이서연 기자 =   (제네바[스위스]=…) … 특파원 =
    ("dateline", rf"[(\[（【]\s*(?!사진)[가-힣ㆍ·]{{1,12}}(?:\[[^\]\n]{{1,10}}\])?\s*=\s*[^\[\]()=\n【】]{{1,15}}[)\]）】]\s*(?:{_NAMES}\s*{TITLE}(?:\s*[/·,]\s*{_NAMES}\s*{TITLE})*\s*)?=\s?", (("=",),), None, 0),
    # (한빛넷=오나래 기자) with the reporter inside the parentheses; [한빛경제=모바일섹션] a desk
    ("byline", rf"[(\[【]\s*[가-힣A-Za-z]{{2,12}}\s?=\s?(?:{_BYLINE_NAMES}|[가-힣A-Za-z]{{1,10}}(?:팀|부|섹션|센터))\s*[)\]】]", (("=",),), None, 0),
    # a wire's photo item: "(서울=한빛통신) <caption> 2024.3.5", the dateline alone when no date closes it
    ("caption", rf"[(【]\s*[가-힣ㆍ·]{{1,12}}\s*=\s*(?:{_WIRES})\s*[)】][^\n【]{{1,250}}?(?:있다|모습|전경|기념촬영|제공|밝혔다)[.)]?\s?"
                r"\d{4}\.\s?\d{1,2}\.\s?\d{1,2}\.?", (("=",),), "=\\s*(?:" + _WIRES + ")\\s*[)】]", 300),
    ("dateline", rf"[(【]\s*[가-힣ㆍ·]{{1,12}}\s*=\s*(?:{_WIRES})\s*[)】]\s?", (("=",),), "=\\s*(?:" + _WIRES + ")\\s*[)】]", 40),
    # an outlet's tag: "[한빛일보]", "<한빛뉴스24>", "[한빛스포츠 한도윤]" (the reporter without 기자)
    ("byline", rf"[\[<](?:{_OUTLET})(?:\s{NAME}(?:\s?기자)?)?[\]>]", (("[", "<"),), "(?:" + _OUTLET_END + ")(?:\\s[가-힣]{2,4}(?:\\s?기자)?)?[\\]>]", 24),
    # the portal's video label opening the text
    ("chrome", r"\A\s*동영상 뉴스", (("동영상 뉴스",),), None, -100),
    # "/한빛전자 제공", "/한빛일보 DB", "부산한빛DB", "© News1 DB", "사진=한도윤 기자", "사진=한빛한빛이…"
    ("photo_credit", rf"/\s?사진\s?제공\s?=\s?(?:{_CREDIT_OWNERS}|([가-힣A-Za-z0-9]{{2,12}}?)(?=\1)|[가-힣A-Za-z0-9]{{1,12}}(?=\s|$))"
                     rf"|/\s?(?!사진)[가-힣A-Za-z0-9]{{1,12}}?\s?(?:제공|DB)|[ⓒ©]\s?News1\s?DB"
                     rf"|사진\s?=\s?{NAME}\s?{TITLE}|사진\s?=\s?([가-힣A-Za-z0-9]{{2,12}}?)(?=\2)", (("제공", "DB", "사진"),), "제공|DB|사진\\s?=", 30),
    # stock-photo agencies named without a mark ("…등게티이미지뱅크서울의 …"), "ⓒ각 사", "사진:각 사"
    ("photo_credit", r"(?:게티이미지뱅크|게티이미지코리아|이미지투데이|클립아트코리아|아이클릭아트|셔터스톡)(?![은는이가을를의에와과도로])"
                     r"|(?:[ⓒ©]|사진\s?:)\s?각\s?사", (("게티이미지", "이미지투데이", "클립아트", "아이클릭", "셔터스톡", "각 사", "각사"),), None, 0),
    ("photo_credit", r"[가-힣A-Za-z]{1,10}(?:일보|신문|뉴스|포토|경제)\s?DB(?=\s|$)", (("DB",),), "DB(?=\\s|$)", 16),
    # the caption and its credit before an outlet's bracket byline at the head: "누리시 청사 전경.한빛전자 제공[한빛일보 한도윤 기자]"
    ("caption", r"\A[^\n\[\]]{1,150}?[.)]?\s?[가-힣A-Za-z0-9]{1,15}\s?제공\.?(?=\s*\[[^\]\n]{1,30}(?:기자|특파원)\])", (("제공",),), None, -400),
    # the caption sentence right before a photo credit: "…손을 흔들고 있다. (사진=한빛전자)", "…부부. ⓒ한빛통신"
    ("caption", r"(?:\A\s?[^.!?\n▲…·\[\]]{8,150}?(?:있다|모습|전경)\.?\s?|(?:(?<=다\.)|(?<=[.!?]\s))\s?[^.!?\n▲]{3,180}?(?:있다|모습|전경|부부|모델|장면|포스터|로고|제품|이미지|비교표|그래프|일러스트|캡처"
                r"|회장|부회장|사장|대표|위원장|장관|의원)\.?\s?)"
                r"(?=[ⓒ©]|[(\[/]\s?사진\s?=|\[사진\s|\([^()\n]{1,20}\s제공\)|\[[^\[\]\n]{1,20}\s제공\]|[(\[]\s*(?:출처|제공|이미지|자료)\s?="
                r"|/\s?[가-힣A-Za-z0-9]{1,12}\s?(?:제공|DB)|[가-힣A-Za-z]{1,10}(?:일보|신문|뉴스|포토|경제)\s?DB|\[(?:중앙포토|연합뉴스|뉴시스|뉴스1)\])",
     (("ⓒ", "©", "사진", "제공", "DB", "포토]", "연합뉴스]"),),
     "[ⓒ©](?![^\\n]{0,40}?(?:무단|재배포|금지|[Rr]ights|reserved))|사진\\s?=|\\[사진\\s|제공[)\\]]|/[^\\s/]{1,12}\\s?(?:제공|DB)|DB"
     "|(?:포토|연합뉴스|뉴시스|뉴스1)\\]|(?:출처|이미지|자료)\\s?=", 210),
    # "[중앙포토]" closing a caption; "자료=한빛연구소", "디자인=한도윤 기자" under a chart; "(자료 한빛연구원)"
    ("photo_credit", rf"\[(?<=[.)\s]\[)(?:중앙포토|연합뉴스|뉴시스|뉴스1)\]|(?:자료|디자인|그래픽|출처)\s?=\s?(?:{NAME}\s?{TITLE}|[가-힣A-Za-z0-9]{{2,12}}(?=\s))"
                     r"|\((?:자료|출처)\s[^()\n=]{2,20}\)", (("포토]", "연합뉴스]", "뉴시스]", "뉴스1]", "자료", "디자인", "그래픽", "출처"),), None, 0),
    # a robot's bracket byline: "[한빛TV 시세알림봇 기자]"; a related-article link inside the text
    ("byline", r"\[[^\[\]\n]{1,20}봇\s?기자\]", (("봇 기자]", "봇기자]"),), None, 0),
    ("promo", r"[☞▶]\s?관련\s?기사\s?:\s?(?:\[[^\]\n]{1,10}\])?[^\n\ufeff]{1,60}?(?:다|요)(?=[\ufeff\s'‘\"“]|$)", (("관련",),), None, 0),
    # a broadcast anchor handing over: "한도윤 기자가 보도합니다.", "먼저 한도윤 기자입니다.[기자]"
    ("broadcast", rf"(?:먼저\s)?{NAME}\s?기자(?:가|의)\s(?:현장\s)?(?:보도합니다|보도입니다|취재했습니다|전합니다)\.|(?:먼저\s)?{NAME}\s?기자입니다\.(?=\s*[\[<◀【])",
     (("기자가", "기자의", "기자입니다"),), "기자(?:가|의|입니다)", 40),
    # a broadcaster's closing line with a Latin channel name: "…입니다. HBSTV 한도윤입니다."
    ("signoff", rf"(?<=[.!?\"”])\s?[A-Z][A-Za-z0-9]{{1,10}}\s?{NAME}입니다\.\s*\Z", (("입니다.",),), "입니다\\.\\s*\\Z", 40),
    # [출처=한빛전자]  (자료=누리시)  [이미지=한빛]  [제공=한빛]: a picture's source
    ("photo_credit", r"[(\[]\s*(?:출처|제공|이미지|자료|그래픽|사진\s?출처)\s?=\s?[^)\]\n=]{1,25}[)\]]", (("=",),), "(?:출처|제공|이미지|자료|그래픽)\\s?=", 40),
    # 대전=정하람 기자 (own line)
    ("dateline", rf"(?m)^[ \t]*[가-힣]{{1,6}}\s?=\s?{NAME}\s?{TITLE}[ \t]*$", (("=",),), None, 0),
    # captions and photo credits
    ("caption", r"사진(?:(?<=\s사진)|(?<=다\.사진)|(?<=^사진))\s?=\s?[^\s.ⓒ©'\"]{1,20}(?:,?\s[^\s.ⓒ©'\"]{1,10}){0,3}(?=\s*(?:ⓒ|©|Copyright|$))", (("사진",), ("=",)), None, 0),
    ("caption", r"[(<\[［]\s*사진\s?=\s?[^)>\]］\n]{1,30}[)>\]］]", (("사진",), ("=",)), None, 0),
    ("caption", rf"/\s?사진\s?=\s?(?:\([^)\n]{{1,20}}\)\s?)?(?:{_CREDIT_OWNERS}|([가-힣A-Za-z0-9]{{2,12}}?)(?=\1)|{NAME}\s?{TITLE}|[^\s\n◆■▶●▲]{{1,20}})", (("사진",), ("=",), ("/",)), None, 0),
    ("caption", rf"[^.!?\n\[\]]{{0,60}}(?<=[가-힣])\[[^\[\]\n]{{1,30}}(?:자료\s?사진|제공)[^\[\]\n]{{0,20}}\]"
                rf"(?:\s*\d{{4}}\.\d{{1,2}}\.\d{{1,2}}\.?\s*(?:{EMAIL})?)?", (("사진", "제공"), ("]",)), '(?:자료\\s?사진|제공)[^\\[\\]\\n]{0,20}\\]', 120),
    ("caption", r"\[[^\[\]\n]{1,30}(?:자료\s?사진|제공|DB\s?금지)[^\[\]\n]{0,30}\](?:\s*" + EMAIL + ")?", (("자료", "제공", "DB"), ("]",)), None, 0),
    ("caption", r"\[(?:촬영|사진|그래픽)\s[^\]\n]{1,20}\]|\[[^\]\n]{1,20}\s제작\](?:\s?[가-힣·]{2,12})?", (("[촬영", "[사진", "[그래픽", "제작]"),), None, 0),
    # ▲ photo captions; several ▲ in one sentence are an enumeration in the body instead
    ("caption", rf"(?m)^[ \t]*▲[^\n▲]{{1,150}}{_CAPTION_END}[ \t]*$", (("▲",),), None, 0),
    ("caption", rf"(?:(?<=다\.)|(?<=[.!?]\s)|(?<=\n)|^)\s?▲[^\n▲]{{1,150}}?{_CAPTION_END}"
                rf"(?:\s*\d{{4}}\.\d{{1,2}}\.\d{{1,2}}\.?\s*(?:{EMAIL})?)?", (("▲",),), "▲", 320),
    ("caption", rf"(?:(?<=다\.)|(?<=\n)|^)[ \t]*[^.!?\n]{{4,80}}(?:있다|모습)\.\s?\d{{4}}\.\d{{1,2}}\.\d{{1,2}}\.?\s*(?:/\s?[가-힣A-Za-z0-9]{{2,12}}|{EMAIL})", (("있다.", "모습."), ("/", "@")), '\\.\\d{1,2}\\.\\d{1,2}', 124),
    ("caption", rf"\d{{4}}\.\d{{1,2}}\.\d{{1,2}}\.?\s*(?:/\s?[가-힣A-Za-z0-9]{{2,12}}(?=\s)|{EMAIL})", (("/", "@"),), '\\.\\d{1,2}\\.\\d{1,2}\\.?\\s*(?:/|[A-Za-z0-9][A-Za-z0-9._%+-]*@)', 44),
    ("caption", r"이미지\s?(?:확대|크게\s?보기)|(?m:^[ \t]*확대\s?보기[ \t]*$)", (("확대", "보기"),), "이미지\\s?(?:확대|크게)|확대\\s?보기", 0),
    # bylines with an e-mail (unambiguous anywhere)
    # [이데일리 최훈길 기자]  [김아라 기자 / 박해솔 기자]  [한빛경제=이나래 기자]  [한빛 | 오도윤 기자]
    ("byline", rf"\[\s*(?:[가-힣A-Za-z0-9]{{2,12}}(?:\s*[=|ㅣ]\s*|\s+)){{0,2}}{_BYLINE_NAMES}\s*/?\s*(?:{EMAIL}\s*|[A-Za-z0-9._-]+@\s*)?\]"
               rf"|<\s?(?:정리\s?=\s?)?{_BYLINE_NAMES}\s?>|\[\s*{NAME}(?:\s?/\s?{NAME})+\s?{TITLE}\s*\]",
     (("기자", "특파원", "위원", "통신원"), ("]", ">")), None, 0),
    # a byline whose e-mail the crawler cut ("김하늘 기자 sky@"), robot bylines ("시세봇 기자 -한빛TV"),
    # "한빛일보 모클팀 - 김하늘 기자" closing the text
    ("byline", rf"{NAME}\s?(?:{DESK}\s)?{TITLE}\s?[A-Za-z0-9._-]+@(?![A-Za-z0-9])", (("@",), ("기자", "특파원", "위원")), "@(?![A-Za-z0-9])", 40),
    ("byline", r"[가-힣A-Za-z]{1,10}봇\s?기자(?:\s?-\s?[가-힣A-Za-z]{2,12}(?:TV)?)?(?![가-힣])", (("봇 기자", "봇기자"),), "봇\\s?기자", 20),
    # "홍길동 (gildong@example.com)": a name and its e-mail in parentheses
    ("byline", rf"(?!다){NAME}\s?\(\s?{EMAIL}\s?\)", (("@",),), "@", 40),
    ("credits", r"\[(?:영상취재|영상편집|촬영기자)\s?:[^\]\n]{1,80}\]", (("영상",), ("]",)), None, 0),
    # glued photo credits: "…/뉴스1 © News1 한도윤 기자", "사진설명.ⓒ한빛일보", "ⓒ게티이미지뱅크…",
    # and an owner named twice ("…모습ⓒ누리조선누리조선이 …": the credit, then the sentence)
    ("photo_credit", rf"(?:/\s?뉴스1\s?)?[©ⓒ]\s?News1(?:\s{NAME}\s?(?:{TITLE}|디자이너))?|(?:사진설명\.?\s?)?[ⓒ©Ⓒ]\s?(?:{_CREDIT_OWNERS})"
                     rf"|사진설명\.?\s?[ⓒ©Ⓒ]\s?[가-힣A-Za-z]{{2,12}}|[ⓒ©]\s?([가-힣A-Za-z]{{2,12}}?)(?=\1)", (("ⓒ", "©", "Ⓒ"),), "[ⓒ©Ⓒ]", 40),
    ("caption", r"(?:\*|※)\s?재판매\s?및\s?DB\s?금지", (("재판매",),), None, 0),
    # "(한빛전자 제공)", "(사진제공 = 한빛)", "[사진출처 = 한빛통신]", "사진=한빛통신", "사진=한빛전자 제공"
    ("photo_credit", r"\([^()\n]{1,20}\s제공\)|[(\[]\s*사진\s?(?:제공|출처)\s?[=:]\s?[^)\]\n]{1,20}[)\]]"
                     rf"|사진\s?=\s?(?:{_CREDIT_OWNERS})(?:\s?제공)?|사진\s?=\s?[가-힣A-Za-z0-9]{{1,12}}\s?제공", (("제공", "사진"),), "제공\\)|사진\\s?(?:제공|출처|=)", 30),
    # a ▲ caption that ends in a photographer credit: "▲ 누리시 청사 전경 ⓒ 한도윤"
    ("caption", r"▲\s[^▲\n]{1,150}?\s[ⓒ©]\s?[가-힣]{2,5}(?=\s)", (("▲",), ("ⓒ", "©")), None, 0),
    ("byline", rf"(?:(?:[가-힣]{{1,8}}=)?{NAME}\s?(?:{DESK}\s)?{TITLE}\s*[(]?\s*{EMAIL}\s*[)]?(?:\s*,\s*)?)+(?:\s*\([가-힣A-Za-z]{{2,15}}\))?", (("@",),), '@', 80),
    ("byline", rf"{EMAIL}\s+{NAME}\s?{TITLE}", (("@",),), '@', 60),
    ("byline", rf"{EMAIL}\s?\[[^\]\n]{{1,30}}\]", (("@",),), '@', 60),
    ("byline", rf"글\s?=\s?{NAME}\s?{TITLE}(?:\s*/\s*사진\s?=\s?{NAME}\s?{TITLE})?", (("글",), ("=",)), None, 0),
    ("byline", rf"(?m)^[ \t]*\[{DESK}\][ \t]*$", (("부]", "팀]", "국]", "실]", "터]", "디지털뉴스"),), None, 0),
    # promos, related-article blocks, app/subscription prompts
    ("promo", r"▶\s?관련\s?기사\s?◀|★\s?관련\s?기사|\[(?:관련\s?기사|관련\s?뉴스|J-Hot|핫클릭|많이 본 뉴스|인기\s?기사|[가-힣A-Za-z]{1,12}\s?화제의\s?뉴스)\]", (("관련", "J-Hot", "핫클릭", "많이 본", "인기", "화제"), ("◀", "★", "]")), None, 0),
    ("promo", r"(?m)^[ \t]*[▶☞▷►][^\n]{0,100}$", (("▶", "☞", "▷", "►"),), None, 0),
    ("promo", r"[▶☞▷►]\s?[^▶☞▷►\n<\[]{0,60}?(?:구독|바로\s?가기|앱|다운|받아\s?보세요|보세요|클릭|채널|팔로우|네이버|카카오|기사\s?보기|페이스북|유튜브|인스타그램|트위터|팟캐스트|공식|홈페이지|{EMAIL})[^▶☞▷►\n<\[]{0,20}?(?=[▶☞▷►<\[ⓒ©]|Copyright|\s\d{4}\.|$|\n)".replace("{EMAIL}", EMAIL), (("▶", "☞", "▷", "►"),), None, 0),
    ("promo", r"기자\s?구독\s?후\s?기사\s?보기|구독\s?없이\s?계속\s?보기|이 기사는 언론사에서 [^\n.]{1,20} 섹션으로 분류했습니다\.|"
              r"기사 추천은 [^\n.]{1,30}참여할 수 있습니다\.|자동요약 기사 제목과 주요 문장을 기반으로 자동요약한 결과입니다\.|"
              r"읽어주기 기능은 [^\n.]{1,40}사용하실 수 있습니다\.|이 포스팅은 쿠팡 파트너스 활동의 일환으로[^\n]{0,60}?제공받습니다\.", (("구독", "섹션으로 분류했습니다.", "기사 추천은", "자동요약한 결과입니다.", "읽어주기 기능은", "쿠팡 파트너스"),), None, 0),
    ("promo", r"\[(?:정기\s?구독|구독\s?신청|기사\s?제보[^\]\n]{0,40}|[가-힣A-Za-z]{2,12}\s?(?:매거진|비즈니스|구독))\]|"
              r"\[[^\[\]\n]{0,40}제\s?\d+\s?호[^\[\]\n]{0,40}기사입니다\.?\]", (("구독", "제보", "매거진", "비즈니스", "기사입니다.]"), ("]",)), None, 0),
    # portal page text (Daum's font-size preview, reader controls)
    ("chrome", r"이 글자크기로 변경됩니다\.(?:\s?\(예시\))?(?:\s?가장 빠른 뉴스가 있고[^\n]{0,80}?만나보세요\.)?"
               r"(?:\s?다음뉴스는[^\n]{0,80}?있습니다\.)?|(?m:^[ \t]*(?:글자\s?크기\s?(?:설정|조절)|본문\s?듣기|번역\s?beta|Translated by kaka[o0] i|음성\s?기본\s?설정)[ \t]*$)",
     (("글자크기", "글자 크기", "본문", "번역", "Translated", "음성"),), None, 0),
    # subscribe and app prompts without an arrow: "[한빛TV] 채널 구독하기", "[한빛일보 바로가기]",
    # "네이버 메인에서 '한빛일보'를 받아보세요", "뉴스레터 구독하기 (https://…)"
    ("promo", r"\[[^\[\]\n]{1,20}\]\s?(?:채널\s?)?구독(?:하기|해\s?주세요)?!?|\[[^\[\]\n]{0,20}(?:바로\s?가기|구독\s?하기|구독\s?신청|생방송\s?보기)[^\[\]\n]{0,60}\]"
              r"|네이버(?:\s?메인|\s?홈|\s?채널)?에서\s[^\n.]{1,24}?(?:를|을)?\s?(?:받아\s?보세요|구독하기|구독해\s?주세요\.?|볼 수 있어요\.?)|뉴스레터\s?구독하기(?:\s?\(https?://[^)\s]+\))?",
     (("구독", "바로", "받아", "생방송"),), None, 0),
    ("auto_notice", r"(?:※\s?)?\[?(?:이|본)\s?기사는[^\n\]]{0,100}?(?:자동\s?(?:작성|생성)|실시간으로 작성|로봇|알고리즘|취재 지원|[가-힣A-Za-z]{1,10}봇\s?기자)[^\n\]]{0,60}?(?:니다|다)\.?\]?",
     (("기사는",),), "기사는", 180),
    ("auto_notice", r"'[^'\n]{1,20}'(?:는|은) [^\n.]{1,60}로봇\s?기자가 실시간으로 (?:생산|작성)하는 기사입니다\.", (("로봇",),),
     "로봇\\s?기자가 실시간으로", 100),
    ("auto_notice", r"(?:[가-힣A-Za-z]{1,10}봇\s?기자\s?)?지속적인 업그레이드를 통해[^\n.]{0,60}?겠습니다\.", (("업그레이드를",),),
     "지속적인 업그레이드를", 80),
    ("footer", r"※\s?우울감[^\n]{0,200}?(?:있습니다|바랍니다)\.|콘텐츠 사용과 관련해[^\n]{0,120}?문의하기 바랍니다\.", (("※", "콘텐츠 사용과 관련해"),), None, 0),
    # ■ 제보하기 ▷ 카카오톡 : '…' 검색 ▷ 이메일 : …   (a broadcaster's tip-line block)
    ("tip_off", r"■\s?(?:제보하기|기사\s?제보|제보)\s?(?:[▷▶]\s?[^\n▷▶■]{1,60}){1,5}", (("■",),), None, 0),
    ("tip_off", r"제보는\s?카카오톡\s?[A-Za-z0-9_가-힣]+|[가-힣A-Za-z]{0,12}\s?기사문의 및 제보\s?:\s?[^\n]{0,30}?(?=\s*$|\n|\s[가-힣]{2,}\s)|"
                r"[가-힣A-Za-z]{2,12}\s?뉴스는 24시간 여러분의 제보를 기다립니다\.|\[카카오톡\][^\n]{0,120}", (("기사문의", "제보는", "제보를", "카카오톡"),), '기사문의|제보는|제보를|카카오톡', 40),
    ("tip_off", r"(?:공감언론\s)?[가-힣A-Za-z]{2,12}가 독자 여러분의 소중한 제보를 기다립니다\.(?:[^\n]{0,140}?반영하겠습니다\.)?",
     (("소중한 제보를 기다립니다",),), "독자 여러분의 소중한 제보를", 200),
    ("tip_off", r"기사\s?제보 및 보도자료\s?:?\s?" + EMAIL + r"|뉴스 가치나 화제성이 있다고 판단되는[^\n]{0,140}?반영하겠습니다\.|"
                r"\[[가-힣A-Za-z]{2,10}\] 독자 여러분의 소중한 제보를 받습니다\.(?:[^\n]{0,120}?보실 수 있습니다\.)?",
     (("보도자료", "화제성이", "제보를 받습니다"),), None, 0),
    ("timestamp", r"\d{4}/\d{2}/\d{2}\s\d{2}:\d{2}\s?송고|\d{4}[./-]\d{2}[./-]\d{2}\s\d{2}:\d{2}(?::\d{2})?(?=\s*$)", ((":",),), ':(?<=\\d{4}[/.-]\\d{2}[/.-]\\d{2}\\s\\d{2}:)', 0),
    ("broadcast", r"◀\s?[^◀▶\n]{1,12}?\s?▶", (("◀",),), None, 0),
    ("promo", r"\(\s?[☞▶]\s?관련\s?기사\s?:[^()\n]{1,80}\)|\([^()\n]{0,12}☞[^()\n]{1,60}\)", (("관련", "☞"),), None, 0),
    ("timestamp", r"▶\s?마켓인사이트\s\d{1,2}월\s?\d{1,2}일\s(?:오전|오후)\s\d{1,2}시(?:\s?\d{1,2}분)?", (("마켓인사이트",),), None, 0),
    ("footer", r"\[?저작권자\s?[^\n\]]{1,80}?재배포\s?가능합니다\.\]?", (("가능합니다",),), None, 0),
    # a contributor's closing note ("덧붙이는 글 | …"), to the end of the text
    ("signature", r"덧붙이는 글\s?\|[^\n]{0,300}$", (("덧붙이는 글",),), None, 0),
    # broadcast markers, sign-offs and credits
    ("broadcast", r"<\s?(?:앵커|기자|리포트|인터뷰)\s?>|\[\s?(?:앵커|기자|리포트|앵커멘트)\s?\]|【\s?(?:앵커멘트|앵커|기자|리포트)\s?】", (("앵커", "기자", "리포트", "인터뷰"), (">", "]", "】")), None, 0),
    ("signoff", rf"(?:지금까지\s[^\n.]{{0,30}}?에서\s[가-힣A-Za-z]{{2,12}}|[가-힣]{{1,10}}에서\s[^\n.]{{1,12}}?\s?뉴스|[가-힣A-Za-z]{{2,12}}\s?뉴스)\s{NAME}입니다\.(?=\s*(?:$|\n|촬영|취재|영상|\[|<))", (("입니다.",), ("뉴스", "지금까지")), '(?:뉴스|지금까지)[^\\n]{0,60}입니다', 0),
    ("credits", r"(?:(?:취재기자|촬영기자|영상기자|영상편집|영상취재|그래픽|자막뉴스\s?제작|편집|CG)\s?[:ㅣ|]\s?[가-힣]{2,4}\s?/?\s?){2,}", (("기자", "편집", "그래픽", "CG", "제작"), (":", "ㅣ", "|")), None, 0),
]
_COMPILED = [(kind, re.compile(pattern), needs, re.compile(gate) if gate else None, near)
             for kind, pattern, needs, gate, near in _RULES]
_BY_LITERAL: dict[str, list[int]] = {}  # literal -> rules whose first group holds it
for _i, _rule in enumerate(_RULES):
    for _lit in _rule[2][0]:
        _BY_LITERAL.setdefault(_lit, []).append(_i)
_LITERALS = ahocorasick_rs.AhoCorasick(sorted({lit for r in _RULES for group in r[2] for lit in group}),
                                       implementation=ahocorasick_rs.Implementation.DFA)

# bylines without an e-mail are boilerplate only as a whole line at the head or tail
_LINE_BYLINE = re.compile(
    rf"^(?:[가-힣/=·]{{1,10}}\s+){{0,3}}[가-힣/=·]{{2,12}}\s?{TITLE}(?:\s?[·,]\s?{NAME}\s?{TITLE})*\s*(?:{EMAIL})?$")
_LINE_BYLINE_MAX = 200
_EMAIL_RUN = re.compile(rf"{EMAIL}(?:[\s,]+{EMAIL})*")
_DATELINE_PARTS = re.compile(
    rf"[(\[（【]\s*([가-힣ㆍ·]{{1,12}})(?:\[[^\]\n]{{1,10}}\])?\s*=\s*([^\[\]()=\n【】]{{1,15}}?)\s*[)\]）】]\s*(?:({_NAMES})\s*{TITLE})?")
_CITY_NAME = re.compile(rf"^\s*([가-힣]{{1,6}})\s?=\s?({NAME})\s?{TITLE}")
_REPORTER = re.compile(rf"({NAME})\s?(?:{DESK}\s)?{TITLE}")
_SIGNOFF = re.compile(rf"([가-힣A-Za-z]{{2,12}}?)(?:\s?뉴스)?\s({NAME})입니다\.")
_SOURCE_NAME = re.compile(r"(?:출처|제공|이미지|자료|그래픽)\s?=\s?([^)\]]+)|\(([^()]+?)\s제공\)|사진\s?=\s?([^\s)\]]+)")
_NEWS1_NAME = re.compile(rf"News1\s({NAME})\s?(?:{TITLE}|디자이너)")
_CREDIT_NAME = re.compile(rf"[ⓒ©Ⓒ]\s?((?:{_CREDIT_OWNERS})|[^\s.]{{2,12}}?)(?=\s|$|[^가-힣A-Za-z0-9]|\1)")
_NAME_EMAIL = re.compile(rf"(?!다)({NAME})\s?\(\s?{EMAIL}")
_SENTENCE_END = re.compile(r"(?:다|요)[.!?]\s*$|[.!?]\s*$")


@dataclass(slots=True)
class Boilerplate:
    start: int
    end: int
    kind: str
    facts: dict[str, object] = field(default_factory=dict)


def find_boilerplate(text: str) -> list[Boilerplate]:
    """Non-overlapping boilerplate spans of `text`, in order, with the facts they state."""
    spans: list[Boilerplate] = []
    present = set(_LITERALS.find_matches_as_strings(text, overlapping=True))
    candidates = {i for lit in present for i in _BY_LITERAL.get(lit, ())}
    for i in sorted(candidates):
        kind, rx, needs, gate, near = _COMPILED[i]
        if len(needs) > 1 and any(present.isdisjoint(group) for group in needs[1:]):
            continue
        for m in _matches(text, rx, gate, near):
            if m.end() > m.start() and text[m.start():m.end()].strip():
                spans.append(Boilerplate(m.start(), m.end(), kind))
    spans.extend(_line_bylines(text))
    if "ⓒ" in text or "©" in text or "Ⓒ" in text or "사진" in text:
        spans = _merge(spans)
        spans.extend(Boilerplate(*t) for t in glued_credits(text, spans))
    spans.extend(Boilerplate(*t) for t in end_byline(text))
    spans = _merge(spans)
    spans.extend(_tail_emails(text, spans))
    spans = _merge(spans)
    tail = [Boilerplate(*t) for t in tail_block(text, spans)]
    if tail:
        spans = _merge(spans + tail)
    for b in spans:
        b.facts = _facts(text[b.start:b.end], b.kind)
    return spans


def _matches(text: str, rx: re.Pattern[str], gate: re.Pattern[str] | None,
             near: int) -> list[re.Match[str]]:
    if near < 0:  # a rule for the head of the text only (its first -near characters)
        return list(rx.finditer(text, 0, min(len(text), -near)))
    if gate is None:
        return list(rx.finditer(text))
    if near == 0:
        return list(rx.finditer(text)) if gate.search(text) else []
    windows: list[list[int]] = []
    for g in gate.finditer(text):
        lo, hi = max(0, g.start() - near), min(len(text), g.end() + near)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = hi
        else:
            windows.append([lo, hi])
    found: dict[tuple[int, int], re.Match[str]] = {}
    for lo, hi in windows:
        for m in rx.finditer(text, lo, hi):
            found.setdefault((m.start(), m.end()), m)
    return list(found.values())


def _line_bylines(text: str) -> list[Boilerplate]:
    """Whole-line bylines without e-mail, only among the first two and last three lines."""
    lines = []
    pos = 0
    for raw in text.split("\n"):
        lines.append((pos, pos + len(raw), raw))
        pos += len(raw) + 1
    nonempty = [ln for ln in lines if ln[2].strip()]
    candidates = nonempty[:2] + [ln for ln in nonempty[-3:] if ln not in nonempty[:2]]
    out = []
    for start, _end, raw in candidates:
        stripped = raw.strip()
        if len(stripped) > _LINE_BYLINE_MAX:
            continue  # a run of names and titles this long is not a byline (and would cost a scan)
        if _LINE_BYLINE.match(stripped) and not _SENTENCE_END.search(stripped):
            lead = len(raw) - len(raw.lstrip())
            out.append(Boilerplate(start + lead, start + lead + len(stripped), "byline"))
    return out


_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")


def _email_runs(text: str):
    """`_EMAIL_RUN.finditer(text)`, found from the '@' signs instead of tried at every
    position: each match opens at the first letter or digit of the local part before an
    '@' and after the previous match."""
    pos = 0
    at = text.find("@")
    while at >= 0:
        i = at
        while i > pos and text[i - 1] in _LOCAL:
            i -= 1
        while i < at and not text[i].isalnum():  # the scanned characters are all ASCII
            i += 1
        m = _EMAIL_RUN.match(text, i) if i < at else None
        if m:
            yield m
            pos = m.end()
            at = text.find("@", pos)
        else:
            at = text.find("@", at + 1)


def _tail_emails(text: str, taken: list[Boilerplate]) -> list[Boilerplate]:
    """A run of e-mail addresses standing alone as a segment: after a sentence end or at a
    line start, and followed by the end of the text/line or by other boilerplate."""
    out = []
    starts = {b.start for b in taken}
    spans = sorted((b.start, b.end) for b in taken)
    reach, covered_until = 0, []  # covered_until[i]: the furthest end among spans[:i + 1]
    for _, end in spans:
        reach = max(reach, end)
        covered_until.append(reach)
    span_starts = [s for s, _ in spans]
    for m in _email_runs(text):
        i = bisect.bisect_right(span_starts, m.start()) - 1  # inside a span found before?
        if i >= 0 and m.start() < covered_until[i]:
            continue
        j = m.start()  # the character before the run, spaces and tabs skipped
        while j > 0 and text[j - 1] in " \t":
            j -= 1
        if j > 0 and text[j - 1] not in "\n.!?다]>":
            continue
        j = m.end()
        while j < len(text) and text[j] in " \t":
            j += 1
        if j >= len(text) or text[j] == "\n" or j in starts or text[j] in "▶☞<[ⓒ©(" or text[j:j + 2] == "- ":
            out.append(Boilerplate(m.start(), m.end(), "byline"))
    return out


def _merge(spans: list[Boilerplate]) -> list[Boilerplate]:
    spans = sorted(spans, key=lambda b: (b.start, -(b.end - b.start)))
    out: list[Boilerplate] = []
    for b in spans:
        if out and b.start < out[-1].end:
            if b.end > out[-1].end:
                out[-1].end = b.end
            continue
        out.append(Boilerplate(b.start, b.end, b.kind))
    return out


def _facts(span: str, kind: str) -> dict[str, object]:
    facts: dict[str, object] = {}
    if kind == "dateline":
        m = _DATELINE_PARTS.search(span)
        if m:
            facts["dateline_city"] = m.group(1)
            facts["publisher"] = m.group(2).strip()
            if m.group(3):
                facts["reporters"] = m.group(3).split()
        else:
            m2 = _CITY_NAME.match(span)
            if m2:
                facts["dateline_city"], facts["reporters"] = m2.group(1), [m2.group(2)]
    elif kind == "byline":
        names = [m.group(1) for m in _REPORTER.finditer(span)]
        names = [n for n in names if not n.endswith(("사진", "디지털"))]
        if not names:
            names = [m.group(1) for m in _NAME_EMAIL.finditer(span)]
        m2 = _CITY_NAME.match(span) or re.match(rf"^\s*[가-힣]{{1,6}}/({NAME})\s?{TITLE}", span)
        if m2:
            names = [m2.group(m2.lastindex or 1)]
        if names:
            facts["reporters"] = names[:1] if span.lstrip().startswith("글") else names
    elif kind in ("photo_credit", "caption"):
        m = (_NEWS1_NAME.search(span) or _CREDIT_NAME.search(span)) if (
            "ⓒ" in span or "©" in span or "Ⓒ" in span) else _SOURCE_NAME.search(span) if kind == "photo_credit" else None
        if m:
            facts["photo_credits"] = [(m.group(1) or m.group(2) or m.group(3)).strip()] if m.lastindex else []
    elif kind == "signoff":
        m = _SIGNOFF.search(span.removeprefix("지금까지").split("에서 ")[-1])
        if m:
            facts["publisher"], facts["reporters"] = m.group(1), [m.group(2)]
    return facts
