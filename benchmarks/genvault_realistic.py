#!/usr/bin/env python3
"""The vault generator of ``shared/tools/genvault.py`` with frontmatter as real vaults write it.

    python benchmarks/genvault_realistic.py --notes 10000 --out DIR [--seed 42] [--force]

A modified copy (the shared generator stays as it is): the same names, folders, bodies,
links and manifest, so the answers are checked the same way, but the frontmatter is what
notes written from templates hold, as measured on real vaults (a 5,198-note community vault,
the corpora): the template skeleton ``aliases:`` then unindented ``- `` items, empty when
the note has none, ``tags:`` lists with empty items, ``publish: true``, date-times, empty
properties (``rating:``, ``genre: []``), long imported descriptions, and ``up:`` lists. It
also writes a ``Templates/`` folder (``.obsidian/templates.json`` names it) whose notes hold
``{{date}}`` placeholders in their YAML, each linked from one ordinary note so that it is
never an orphan, and gives about 3 % of the notes a budget table of ``$`` amounts. Templates
and tables hold no links, so the manifest's counts stay exact.

Changed from genvault.py: ``frontmatter`` (the old one is ``frontmatter_generated``, still
used for 15 % of the notes), ``budget_table``, ``TEMPLATES``, ``note`` (every note has
frontmatter) and ``main`` (the templates folder, the link to each template). The rest is
kept as the shared generator writes it, unformatted and unlinted, so that ``diff`` against
it shows only those changes.
"""

# ruff: noqa
# fmt: off
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from bisect import bisect
from itertools import accumulate
from urllib.parse import quote

# --------------------------------------------------------------------------
# vocabularies
EN_ADJ = """quantum gentle hidden northern silent rapid ancient modern digital
organic urban rural abstract concrete linear recursive distributed local
global private public minimal maximal early late open closed bright dark
golden silver iron wooden glass paper stellar lunar solar coastal alpine
desert tropical arctic lazy eager careful bold quiet loud simple complex
""".split()
EN_NOUN = """garden system theory method project archive journal review summary
index pattern model network signal engine library protocol design framework
history economy language memory habit routine meeting budget roadmap
strategy experiment hypothesis algorithm database compiler kernel cache
queue graph vector matrix tensor river mountain forest ocean city village
market bridge tower harbor station planet comet orbit atlas compass lantern
notebook letter essay chapter recipe workout""".split()
EN_WORDS = """the of and to in is that for it as with was on be by this are from
at or an have not but which they we all can their has more one were been
would about there when will other so what into time some could them only
these its then also two may after first new most over such any how through
where our should between each those both under same while before must down
might still well work life world year state case point fact group number
part place week system program question government company problem hand
night study book eye job word business issue side kind head house service
friend power hour game line end member law car city community name team
minute idea kid body information back parent face level office door health
person art war history party result change morning reason research girl guy
moment air teacher force education note link graph vault idea concept draft
""".split()
RU_ADJ = """быстрый тихий новый старый важный личный общий северный глубокий
простой сложный научный рабочий домашний летний зимний""".split()
RU_NOUN = """заметка теория система проект дневник обзор метод план архив
модель сеть память привычка встреча бюджет стратегия опыт алгоритм город
река лес книга глава рецепт""".split()
RU_WORDS = """и в не на я быть он с что а по это она этот к но они мы как из у
который то за свой весь год от так о для ты же все тот мочь вы человек
такой его сказать только или ещё бы себя один как уже до время если сам
когда другой вот говорить наш мой знать стать при чтобы дело жизнь кто
первый очень два день её новый рука даже во со раз где там под можно ну
какой после их работа без самый потом надо хотеть ли слово идти большой
должен место иметь ничто заметка связь граф мысль""".split()
ZH_CHARS = """的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要
下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看
文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高
意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间
新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代
军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安
表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至
清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科
怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决
周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李
息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早
房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏
兴医""".replace("\n", "")
JA_KANA = "のはにをがでとしてもからまでよりですますあるいうこともののでしたしかしたい"
ZH_NAME_PARTS = """知识 管理 笔记 系统 学习 方法 项目 计划 研究 数据 网络 模型 历史 语言
记忆 习惯 读书 写作 思考 设计 算法 城市 河流 山川 日本 東京 勉強 メモ 日記 研究会
プロジェクト 読書 ノート 設計 会議 旅行 料理""".split()
CODE_LANGS = ["python", "js", "bash", "text", ""]
TAGS = """project area resource archive idea todo reading research meeting
journal draft evergreen fleeting literature permanent moc review person
place book paper tool 日本 заметки""".split()
FOLDER_EN = """Projects Areas Resources Archive Journal Daily People Books Papers
Meetings Ideas Topics Notes Work Personal Research Learning Travel Recipes
Tools""".split()
FOLDER_RU = "Проекты Заметки Книги Работа Идеи".split()
FOLDER_ZH = "笔记 项目 読書 研究".split()

# 1x1 transparent PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


# The templates folder: YAML with placeholders, as Obsidian's Templates and Templater keep it.
TEMPLATES = {
    "Daily Template": "---\ncreated: {{date}} {{time}}\naliases:\n- \ntags:\n- daily\npublish: false\n---\n# {{title}}\n\n## Tasks\n\n- [ ] \n",
    "Book Template": "---\ntitle: \"{{title}}\"\ntype: Book\nauthor: []\nrating:\ntags:\n- \naliases:\n- \ncreated: {{date}}\n---\n## Notes\n\n",
    "Note Template": "---\ncreated: <% tp.date.now() %>\naliases:\n- \ntags:\n- \nup:\n- \npublish: true\n---\n# <% tp.file.title %>\n\n",
    "Meeting Template": "---\ndate: {{date:YYYY-MM-DD}}\nattendees: []\ntags:\n- meeting\n---\n## Agenda\n\n## Decisions\n\n",
    "Person Template": "---\naliases:\n- \ntags:\n- person\nbirthday:\ncompany: \"\"\n---\n## Contact\n\n",
}


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


class Gen:
    def __init__(self, n: int, seed: int):
        self.n = n
        self.r = random.Random(seed)

    # ---------------- planning ----------------
    def make_folders(self):
        r = self.r
        nf = max(3, self.n // 25)
        folders = [""]  # vault root
        top = FOLDER_EN + FOLDER_RU + FOLDER_ZH
        while len(folders) < nf:
            parent = r.choice(folders) if len(folders) > 1 and r.random() < 0.75 else ""
            depth = parent.count("/") + 1 if parent else 0
            if depth >= 4:
                continue
            if r.random() < 0.6:
                name = r.choice(top)
            else:
                lang = r.random()
                if lang < 0.7:
                    name = cap(r.choice(EN_ADJ)) + " " + cap(r.choice(EN_NOUN))
                elif lang < 0.85:
                    name = cap(r.choice(RU_NOUN))
                else:
                    name = r.choice(ZH_NAME_PARTS)
            path = f"{parent}/{name}" if parent else name
            if path not in folders:
                folders.append(path)
        self.folders = folders

    def make_name(self, lang: str) -> str:
        r = self.r
        if lang == "en":
            p = r.random()
            if p < 0.45:
                s = f"{cap(r.choice(EN_ADJ))} {cap(r.choice(EN_NOUN))}"
            elif p < 0.75:
                s = f"{cap(r.choice(EN_NOUN))} of {cap(r.choice(EN_NOUN))}"
            else:
                s = f"{cap(r.choice(EN_ADJ))} {r.choice(EN_NOUN)} {r.choice(EN_NOUN)}"
            if r.random() < 0.2:
                s += f" {r.randint(1, 999)}"
            return s
        if lang == "ru":
            s = f"{cap(r.choice(RU_ADJ))} {r.choice(RU_NOUN)}"
            if r.random() < 0.5:
                s += f" {r.choice(RU_NOUN)}"
            if r.random() < 0.3:
                s += f" {r.randint(1, 99)}"
            return s
        s = "".join(r.choice(ZH_NAME_PARTS) for _ in range(r.randint(2, 3)))
        if r.random() < 0.3:
            s += str(r.randint(1, 99))
        return s

    def plan(self):
        r = self.r
        n = self.n
        self.make_folders()
        names, used = [], set()  # used: lower-cased basenames
        langs = []
        for _ in range(n):
            p = r.random()
            lang = "en" if p < 0.70 else ("ru" if p < 0.85 else "zh")
            while True:
                nm = self.make_name(lang)
                if nm.lower() not in used:
                    break
            used.add(nm.lower())
            names.append(nm)
            langs.append(lang)
        self.used_lower = used
        # folders: each note in a folder; ~8% in the root
        folder_of = [("" if r.random() < 0.08 else r.choice(self.folders)) for _ in range(n)]
        # duplicate basenames (~1%): copy name of another note into a different folder
        dup = set()
        for i in r.sample(range(n), max(1, n // 100) if n >= 50 else 0):
            j = r.randrange(n)
            if i == j or folder_of[i] == folder_of[j] or j in dup or i in dup:
                continue
            used.discard(names[i].lower())
            names[i] = names[j]
            langs[i] = langs[j]
            dup.add(i); dup.add(j)
        self.names, self.langs, self.folder_of = names, langs, folder_of
        self.relpath = [(f"{f}/{nm}" if f else nm) for f, nm in zip(folder_of, names)]
        # guard against two notes with identical relpath (same folder + dup name)
        seen = set()
        for i, p in enumerate(self.relpath):
            while p.lower() in seen:
                names[i] = names[i] + " 2"
                p = self.relpath[i] = (f"{folder_of[i]}/{names[i]}" if folder_of[i] else names[i])
            seen.add(p.lower())
        cnt = {}
        for nm in names:
            cnt[nm.lower()] = cnt.get(nm.lower(), 0) + 1
        self.ambiguous = [cnt[nm.lower()] > 1 for nm in names]
        # orphans (~2%)
        self.orphan = [False] * n
        for i in r.sample(range(n), max(1, round(n * 0.02))):
            self.orphan[i] = True
        self.linkable = [i for i in range(n) if not self.orphan[i]]
        # aliases: ~35% of notes have 1-3 aliases (globally unique, not note names)
        self.aliases = [[] for _ in range(n)]
        alias_used = set()
        for i in range(n):
            if r.random() < 0.35:
                for _ in range(r.randint(1, 3)):
                    lang = r.choice(["en", "en", "ru", "zh"])
                    a = self.make_name(lang)
                    if r.random() < 0.3:
                        a = a.lower()
                    if a.lower() in used or a.lower() in alias_used:
                        continue
                    alias_used.add(a.lower())
                    self.aliases[i].append(a)
        self.alias_used = alias_used
        # headings and block ids per note
        self.headings, self.blocks = [], []
        for i in range(n):
            hs = []
            for _ in range(r.randint(2, 6)):
                h = self.phrase(langs[i], r.randint(1, 4))
                h = cap(h)
                if h not in hs:
                    hs.append(h)
            self.headings.append(hs)
            self.blocks.append([f"{r.choice('abcdefghjkmnpqrstuvwxyz')}{r.randrange(16**5):05x}"
                                for _ in range(r.choice([0, 0, 1, 1, 2, 3]))])
        # hierarchy (up:) - parent is an earlier note -> DAG; ~70% of notes
        self.up = [[] for _ in range(n)]
        for i in range(1, n):
            if self.orphan[i] or r.random() > 0.70:
                continue
            k = 1 if r.random() < 0.9 else 2
            for _ in range(k):
                j = r.randrange(max(0, i - 2000), i)  # keep ancestry chains local-ish
                if not self.orphan[j] and j not in self.up[i]:
                    self.up[i].append(j)
        # a few 2-cycles in up:
        self.up_cycles = []
        cands = [i for i in range(n) if len(self.up[i]) == 1]
        for i in r.sample(cands, min(len(cands), max(1, n // 1000))):
            p = self.up[i][0]
            if self.up[p] == [] and not self.orphan[p] and i not in self.up[p]:
                self.up[p] = [i]
                self.up_cycles.append([self.relpath[i], self.relpath[p]])
        # attachments
        na = max(5, n // 25)
        self.images = []
        for k in range(na):
            stem = r.choice(["Pasted image ", "img_", "diagram-", "スクリーンショット ", "схема "])
            ext = r.choice(["png", "png", "png", "jpg", "svg"])
            self.images.append(f"{stem}{20200101 + k * 7}.{ext}")
        # preferential-attachment-ish target weights (Zipf over a permutation)
        perm = self.linkable[:]
        r.shuffle(perm)
        w = [0.0] * n
        for rank, i in enumerate(perm):
            w[i] = 1.0 / (rank + 1) ** 0.8
        self.cum = list(accumulate(w))
        self.by_folder = {}
        for i in self.linkable:
            self.by_folder.setdefault(folder_of[i], []).append(i)

    # ---------------- text ----------------
    def phrase(self, lang: str, k: int) -> str:
        r = self.r
        if lang == "en":
            return " ".join(r.choice(EN_WORDS) for _ in range(k))
        if lang == "ru":
            return " ".join(r.choice(RU_WORDS) for _ in range(k))
        out = []
        for _ in range(k):
            out.append(r.choice(ZH_CHARS) + r.choice(ZH_CHARS if r.random() < 0.8 else JA_KANA))
        return "".join(out)

    def pick_target(self, src: int) -> int:
        r = self.r
        if r.random() < 0.3:
            loc = self.by_folder.get(self.folder_of[src])
            if loc and len(loc) > 1:
                t = r.choice(loc)
                if t != src:
                    return t
        while True:
            t = bisect(self.cum, r.random() * self.cum[-1])
            if t < self.n and t != src and not self.orphan[t]:
                return t

    def broken_name(self) -> str:
        r = self.r
        while True:
            nm = self.make_name(r.choice(["en", "en", "ru", "zh"])) + r.choice(["", " (draft)", " old", " v2"])
            if nm.lower() not in self.used_lower and nm.lower() not in self.alias_used:
                return nm

    def ref(self, t: int) -> str:
        """How note t is named in a link: basename, or path form if ambiguous."""
        return self.relpath[t] if self.ambiguous[t] else self.names[t]

    def wikilink(self, src: int, st: dict) -> str:
        r = self.r
        if r.random() < 0.03:  # broken
            st["broken"] += 1
            p = r.random()
            if p < 0.15:
                img = self.broken_name() + ".png"
                st["broken_targets"].add(img.lower())
                return f"![[{img}]]"
            nm = self.broken_name()
            st["broken_targets"].add(nm.lower())
            if p < 0.35:
                return f"[[{nm}|{self.phrase(self.langs[src], 2)}]]"
            return f"[[{nm}]]"
        p = r.random()
        if p < 0.05:  # image embed
            img = r.choice(self.images)
            st["kinds"]["embed_image"] += 1
            return f"![[{img}|{r.choice([200, 300, 400])}]]" if r.random() < 0.2 else f"![[{img}]]"
        t = self.pick_target(src)
        st["targets"].add(t)
        ref = self.ref(t)
        if p < 0.15 and self.aliases[t]:
            st["kinds"]["alias"] += 1
            return f"[[{r.choice(self.aliases[t])}]]"
        if p < 0.23 and not self.ambiguous[t] and self.folder_of[t]:
            st["kinds"]["path"] += 1
            return f"[[{self.relpath[t]}]]"
        if p < 0.33:
            st["kinds"]["display"] += 1
            return f"[[{ref}|{self.phrase(self.langs[src], r.randint(1, 3))}]]"
        if p < 0.41:
            st["kinds"]["heading"] += 1
            h = r.choice(self.headings[t])
            if r.random() < 0.25:
                return f"[[{ref}#{h}|{self.phrase(self.langs[src], 2)}]]"
            return f"[[{ref}#{h}]]"
        if p < 0.46 and self.blocks[t]:
            st["kinds"]["block"] += 1
            return f"[[{ref}#^{r.choice(self.blocks[t])}]]"
        if p < 0.48:
            st["kinds"]["embed_note"] += 1
            return f"![[{ref}]]"
        if p < 0.50 and not self.ambiguous[t] and ref.lower() != ref:
            st["kinds"]["case_variant"] += 1
            return f"[[{ref.lower()}]]"
        st["kinds"]["plain"] += 1
        return f"[[{ref}]]"

    def fake_link_text(self) -> str:
        r = self.r
        return r.choice(["[[not a link]]", "[[Fake Note]]", "[[array[0]]]", "[[ИДЕЯ в коде]]",
                         "[[コードの中]]", "[[{}]]".format(self.broken_name())])

    def frontmatter(self, i: int) -> str:
        """Frontmatter in one of the shapes templates write (see the module docstring)."""
        r = self.r
        style = r.random()
        if style < 0.15:
            return self.frontmatter_generated(i)
        when = f"{2019 + r.randrange(6)}-{1 + r.randrange(12):02d}-{1 + r.randrange(28):02d}"
        stamp = f"{when} {r.randrange(24):02d}:{r.randrange(60):02d}"
        tags = r.sample(TAGS, r.randint(0, 3))
        ups = [f'"[[{self.ref(j)}]]"' for j in self.up[i]]
        lines = ["---"]
        if style < 0.65:
            # The community template: unindented items, an empty item when there is nothing.
            lines.append(f"created: {stamp}")
            lines.append(f"updated: {when}")
            lines.append("aliases:")
            lines += [f"- {a}" for a in self.aliases[i]] or ["- "]
            lines.append("tags:")
            lines += [f"- {t}" for t in tags] or ["- "]
            if ups:
                lines.append("up:")
                lines += [f"- {x}" for x in ups]
            lines.append(f"publish: {r.choice(['true', 'true', 'false'])}")
            if r.random() < 0.5:
                lines.append(f"status: {r.choice(['draft', 'done', 'wip', 'seed', 'evergreen'])}")
            if r.random() < 0.3:
                lines.append("cssclasses: []")
        elif style < 0.85:
            # An importer's template (books, films): many properties, some empty, indented items.
            lines.append(f"title: {json.dumps(self.names[i], ensure_ascii=False)}")
            lines.append(f"type: {r.choice(['Book', 'Movie', 'Paper', 'Person'])}")
            lines.append(f"score: {r.randint(1, 9)}.{r.randint(0, 9)}")
            lines.append("myRating: ")
            lines.append(f"datePublished: {when}")
            lines.append("tags:")
            lines += [f"  - {t}" for t in tags] or ["  - "]
            lines.append("aliases:")
            lines += [f"  - {a}" for a in self.aliases[i]] or ["  - "]
            if ups:
                lines.append(f"up: {ups[0]}" if len(ups) == 1 else "up: [" + ", ".join(ups) + "]")
            lines.append(f"url: https://example.com/subject/{r.randrange(10**8)}/")
            lines.append(f"createTime: {stamp}:{r.randrange(60):02d}")
            lines.append(f"desc: {self.phrase(self.langs[i], r.randint(12, 30))}...")
        else:
            # A minimal vault's template: empty values and flow lists.
            lines.append(f"created: {when}")
            lines.append("genre: []")
            lines.append("rating:")
            lines.append("year:")
            if self.aliases[i]:
                lines.append("aliases: [" + ", ".join(json.dumps(a, ensure_ascii=False) for a in self.aliases[i]) + "]")
            else:
                lines.append("aliases: []")
            lines.append("tags: [" + ", ".join(tags) + "]")
            if ups:
                lines.append("up:")
                lines += [f"  - {x}" for x in ups]
        lines.append("---")
        return "\n".join(lines) + "\n"

    def frontmatter_generated(self, i: int) -> str:
        r = self.r
        lines = ["---"]
        if self.aliases[i]:
            al = self.aliases[i]
            p = r.random()
            if len(al) == 1 and p < 0.4:
                lines.append(f"aliases: {json.dumps(al[0], ensure_ascii=False) if r.random() < 0.5 else al[0]}")
            elif p < 0.7:
                lines.append("aliases:")
                lines += [f"  - {a}" for a in al]
            else:
                lines.append("aliases: [" + ", ".join(json.dumps(a, ensure_ascii=False) for a in al) + "]")
        if r.random() < 0.7:
            tg = r.sample(TAGS, r.randint(1, 4))
            p = r.random()
            if p < 0.3:
                lines.append("tags: " + " ".join(tg))
            elif p < 0.7:
                lines.append("tags: [" + ", ".join(tg) + "]")
            else:
                lines.append("tags:")
                lines += [f"  - {t}" for t in tg]
        if self.up[i]:
            refs = [f'"[[{self.ref(j)}]]"' for j in self.up[i]]
            if len(refs) == 1 and r.random() < 0.8:
                lines.append(f"up: {refs[0]}")
            else:
                lines.append("up:")
                lines += [f"  - {x}" for x in refs]
        if r.random() < 0.6:
            lines.append(f"created: {2019 + r.randrange(6)}-{1 + r.randrange(12):02d}-{1 + r.randrange(28):02d}")
        if r.random() < 0.15:
            lines.append(f"status: {r.choice(['draft', 'done', 'wip'])}")
        lines.append("---")
        return "\n".join(lines) + "\n"

    def budget_table(self) -> str:
        """A budget table of ``$`` amounts, as people keep them (no links in it)."""
        r = self.r
        rows = ["", "| item | planned | spent |", "| --- | ---: | ---: |"]
        for _ in range(r.randint(20, 120)):
            item = cap(r.choice(EN_NOUN))
            planned = f"${r.randint(1, 2500):,}.{r.randrange(100):02d}"
            rows.append(f"| {item} | {planned} | ${r.randint(1, 2500):,}.{r.randrange(100):02d} |")
        rows.append(f"| Total | ${r.randint(5000, 90000):,} | |")
        return "\n".join(rows) + "\n\n"

    def note(self, i: int, st: dict) -> str:
        r = self.r
        lang = self.langs[i]
        orphan = self.orphan[i]
        out = []
        # Template vaults give every note frontmatter.
        out.append(self.frontmatter(i))
        if r.random() < 0.03:
            out.append(self.budget_table())
        if r.random() < 0.5:
            out.append(f"# {self.names[i]}\n")
        n_words = r.randint(320, 800) if lang != "ru" else r.randint(220, 480)
        n_links = 0 if orphan else r.randint(10, 30)
        heads = self.headings[i]
        blocks = list(self.blocks[i])
        n_par = max(len(heads) + 1, n_words // 80)
        # distribute words/links over paragraphs
        link_slots = sorted(r.randrange(n_words) for _ in range(n_links))
        word_pos = 0
        li = 0
        hi = 0
        code_done = r.random() > 0.35
        md_links = 0 if orphan else r.choice([0, 0, 1, 1, 2, 3])
        for p in range(n_par):
            if p > 0 and hi < len(heads) and (p % max(1, n_par // (len(heads) + 1)) == 0):
                out.append(f"\n{'#' * r.choice([2, 2, 3])} {heads[hi]}\n")
                hi += 1
            k = max(20, n_words // n_par + r.randint(-15, 15))
            toks = []
            for _ in range(k):
                if lang == "zh":
                    toks.append(self.phrase("zh", 1))
                else:
                    toks.append(r.choice(EN_WORDS if lang == "en" else RU_WORDS))
                word_pos += 1
                while li < len(link_slots) and link_slots[li] <= word_pos:
                    toks.append(self.wikilink(i, st))
                    li += 1
                x = r.random()
                if x < 0.004:
                    toks.append("`" + self.fake_link_text() + "`")
                    st["fake_inline"] += 1
                elif x < 0.008:
                    toks.append("#" + r.choice(TAGS))
                elif x < 0.009 and md_links > 0:
                    t = self.pick_target(i)
                    st["targets"].add(t)
                    href = quote(self.relpath[t] if (self.ambiguous[t] or r.random() < 0.3) else self.names[t]) + ".md"
                    toks.append(f"[{self.phrase(lang, 2)}]({href})")
                    st["kinds"]["mdlink"] += 1
                    md_links -= 1
                elif x < 0.0105:
                    toks.append("[site](https://example.com/" + str(r.randrange(1000)) + ")")
            sep = "" if lang == "zh" else " "
            para = sep.join(toks)
            if lang == "zh":
                para = para + "。"
            else:
                para = cap(para) + "."
            if blocks and r.random() < 0.4:
                para += f" ^{blocks.pop()}"
            out.append("\n" + para + "\n")
            if not code_done and p >= n_par // 2:
                lang_c = r.choice(CODE_LANGS)
                body = [f"x = {self.fake_link_text()!r}", "# see " + self.fake_link_text(),
                        "def f(a):", "    return a[[0]]" if r.random() < 0.5 else "    return a"]
                st["fake_fenced"] += 2
                fence = "```" if r.random() < 0.85 else "~~~"
                out.append(f"\n{fence}{lang_c}\n" + "\n".join(body) + f"\n{fence}\n")
                code_done = True
        while li < len(link_slots):  # leftovers
            out.append("\n- " + self.wikilink(i, st) + "\n")
            li += 1
        for b in blocks:  # ensure all planned block ids exist
            out.append(f"\n{self.phrase(lang, 8)} ^{b}\n")
        while md_links > 0:
            t = self.pick_target(i)
            st["targets"].add(t)
            out.append(f"\nSee [{self.phrase(lang, 2)}]({quote(self.relpath[t])}.md).\n")
            st["kinds"]["mdlink"] += 1
            md_links -= 1
        return "".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--notes", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--force", action="store_true", help="delete --out first if it exists")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    if os.path.exists(a.out) and os.listdir(a.out):
        if not a.force:
            sys.exit(f"{a.out} exists and is not empty (use --force)")
        shutil.rmtree(a.out)
    g = Gen(a.notes, a.seed)
    g.plan()
    from collections import Counter
    st = {"broken": 0, "broken_targets": set(), "kinds": Counter(), "fake_inline": 0,
          "fake_fenced": 0, "targets": set()}
    os.makedirs(a.out, exist_ok=True)
    os.makedirs(os.path.join(a.out, ".obsidian"), exist_ok=True)
    with open(os.path.join(a.out, ".obsidian", "app.json"), "w") as f:
        f.write('{"newLinkFormat": "shortest", "useMarkdownLinks": false}\n')
    with open(os.path.join(a.out, ".obsidian", "templates.json"), "w") as f:
        f.write('{"folder": "Templates"}\n')
    os.makedirs(os.path.join(a.out, "Templates"), exist_ok=True)
    for name, text in TEMPLATES.items():
        with open(os.path.join(a.out, "Templates", name + ".md"), "w", encoding="utf-8") as f:
            f.write(text)
    # One ordinary note links to every template, so that none is an orphan.
    hub = g.linkable[0]
    made = set()
    total_bytes = 0
    for i in range(a.notes):
        text = g.note(i, st)
        if i == hub:
            text += "\n## Templates\n\n" + "".join(f"- [[{name}]]\n" for name in TEMPLATES)
        d = os.path.join(a.out, g.folder_of[i])
        if d not in made:
            os.makedirs(d, exist_ok=True)
            made.add(d)
        data = text.encode("utf-8")
        total_bytes += len(data)
        with open(os.path.join(a.out, g.relpath[i] + ".md"), "wb") as f:
            f.write(data)
    att = os.path.join(a.out, "attachments")
    os.makedirs(att, exist_ok=True)
    for img in g.images:
        with open(os.path.join(att, img), "wb") as f:
            f.write(PNG)
    # notes linked by nobody and linking nobody
    incoming = st["targets"] | {j for ups in g.up for j in ups}
    orphans = [g.relpath[i] + ".md" for i in range(a.notes) if g.orphan[i] and i not in incoming]
    man = {
        "seed": a.seed, "notes": a.notes, "attachments": len(g.images), "folders": len(g.folders),
        "note_bytes": total_bytes, "avg_note_bytes": round(total_bytes / a.notes),
        "wikilinks_total": sum(st["kinds"][k] for k in st["kinds"] if k != "mdlink") + st["broken"],
        "link_kinds": dict(sorted(st["kinds"].items())),
        "broken_links": st["broken"], "broken_distinct_targets": len(st["broken_targets"]),
        "fake_links_inline_code": st["fake_inline"], "fake_links_fenced_code": st["fake_fenced"],
        "orphans": sorted(orphans), "orphan_count": len(orphans),
        "notes_with_aliases": sum(1 for x in g.aliases if x),
        "notes_with_up": sum(1 for x in g.up if x), "up_cycles": g.up_cycles,
        "duplicate_basename_notes": sum(g.ambiguous),
        "notes_unlinked_by_body_or_up": a.notes - len(incoming),
        "generator_seconds": round(time.perf_counter() - t0, 2),
    }
    os.makedirs(os.path.join(a.out, ".genvault"), exist_ok=True)
    with open(os.path.join(a.out, ".genvault", "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(man, f, ensure_ascii=False, indent=1)
    short = {k: v for k, v in man.items() if k not in ("orphans", "up_cycles")}
    print(json.dumps(short, ensure_ascii=False))


if __name__ == "__main__":
    main()
