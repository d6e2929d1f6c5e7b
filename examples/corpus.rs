//! Writes a synthetic casebook of N practices for benchmarks: half Chinese, half English (each
//! practice in both languages), every schema field filled, bodies of a few hundred to a few
//! thousand words or characters with headings, lists, tables, emphasis and links between
//! practices. Deterministic: the same N and seed give the same files.
//!
//! `cargo run --release --example corpus -- N DIR [SEED]`
//!
//! DIR gets `site.yaml` and `content/` for casebook, and `hugo.toml` with `layouts/` copied from
//! `bench/hugo/` when that folder exists, so that Hugo builds the same content.

use std::fmt::Write as _;
use std::path::Path;

/// xorshift64*: small, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const ASPECTS: [&str; 5] = [
    "enterprise-innovation",
    "urban-rural",
    "green",
    "logistics",
    "trade-integration",
];

const REGIONS_ZH: [&str; 16] = [
    "北京市",
    "天津市",
    "上海市",
    "重庆市",
    "江苏省",
    "浙江省",
    "广东省",
    "山东省",
    "湖北省",
    "四川省",
    "河南省",
    "福建省",
    "安徽省",
    "湖南省",
    "辽宁省",
    "陕西省",
];
const REGIONS_EN: [&str; 16] = [
    "Beijing",
    "Tianjin",
    "Shanghai",
    "Chongqing",
    "Jiangsu",
    "Zhejiang",
    "Guangdong",
    "Shandong",
    "Hubei",
    "Sichuan",
    "Henan",
    "Fujian",
    "Anhui",
    "Hunan",
    "Liaoning",
    "Shaanxi",
];

const WORDS_ZH: [&str; 48] = [
    "标准化",
    "商贸流通",
    "冷链物流",
    "统仓共配",
    "县域商业",
    "供应链",
    "数字化",
    "转型",
    "试点",
    "企业",
    "城市",
    "农村",
    "配送",
    "网络",
    "绿色",
    "包装",
    "回收",
    "利用",
    "服务",
    "质量",
    "提升",
    "效率",
    "成本",
    "降低",
    "平台",
    "建设",
    "体系",
    "规范",
    "认证",
    "检测",
    "内外贸",
    "一体化",
    "同线同标同质",
    "电子商务",
    "批发市场",
    "商圈",
    "步行街",
    "便利店",
    "餐饮",
    "住宿",
    "养老",
    "家政",
    "仓储",
    "运输",
    "标准",
    "推广",
    "经验",
    "做法",
];
const WORDS_EN: [&str; 48] = [
    "standardization",
    "circulation",
    "cold",
    "chain",
    "logistics",
    "shared",
    "warehousing",
    "distribution",
    "county",
    "commerce",
    "supply",
    "digital",
    "transformation",
    "pilot",
    "enterprise",
    "city",
    "rural",
    "delivery",
    "network",
    "green",
    "packaging",
    "recycling",
    "service",
    "quality",
    "improving",
    "efficiency",
    "cost",
    "reducing",
    "platform",
    "building",
    "system",
    "standards",
    "certification",
    "testing",
    "domestic",
    "foreign",
    "trade",
    "integration",
    "e-commerce",
    "wholesale",
    "market",
    "district",
    "retail",
    "catering",
    "elderly",
    "care",
    "storage",
    "transport",
];
const TAGS_ZH: [&str; 24] = [
    "冷链物流",
    "统仓共配",
    "县域商业",
    "绿色包装",
    "数字化",
    "供应链",
    "商圈",
    "步行街",
    "便利店",
    "批发市场",
    "电子商务",
    "内外贸一体化",
    "餐饮",
    "家政",
    "养老",
    "仓储",
    "配送",
    "回收",
    "认证",
    "检测",
    "品牌",
    "质量",
    "平台",
    "标准体系",
];
const TAGS_EN: [&str; 24] = [
    "cold chain",
    "shared warehousing",
    "county commerce",
    "green packaging",
    "digitalization",
    "supply chain",
    "business district",
    "pedestrian street",
    "convenience store",
    "wholesale market",
    "e-commerce",
    "trade integration",
    "catering",
    "housekeeping",
    "elderly care",
    "warehousing",
    "delivery",
    "recycling",
    "certification",
    "testing",
    "brands",
    "quality",
    "platforms",
    "standard systems",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: corpus N DIR [SEED]");
        std::process::exit(2);
    }
    let n: usize = args[0].parse().expect("N is a number");
    let dir = Path::new(&args[1]);
    let seed: u64 = args
        .get(2)
        .map_or(0x5eed, |s| s.parse().expect("SEED is a number"));
    let practices = dir.join("content/practices");
    std::fs::create_dir_all(&practices).unwrap();
    std::fs::write(dir.join("site.yaml"), SITE_YAML).unwrap();
    let pairs = n.div_ceil(2);
    let mut rng = Rng(seed | 1);
    for i in 0..pairs {
        let practice = Practice::new(i, pairs, &mut rng);
        for lang in ["zh", "en"] {
            let text = practice.markdown(lang, &mut rng);
            std::fs::write(practices.join(format!("p{i:05}.{lang}.md")), text).unwrap();
        }
    }
    let hugo = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/hugo");
    if hugo.is_dir() {
        copy_tree(&hugo, dir);
    }
    println!(
        "wrote {} practices ({} in each language) to {}",
        pairs * 2,
        pairs,
        dir.display()
    );
}

struct Practice {
    index: usize,
    aspect: &'static str,
    region: usize,
    date: String,
    tags: Vec<usize>,
    standards: Vec<String>,
    links: Vec<usize>,
    sections: usize,
}

impl Practice {
    fn new(index: usize, total: usize, rng: &mut Rng) -> Self {
        let tags = (0..3 + rng.below(3))
            .map(|_| rng.below(TAGS_ZH.len()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let standards = (0..rng.below(3))
            .map(|_| {
                format!(
                    "{} {}-{}",
                    ["GB/T", "SB/T", "WB/T", "GB"][rng.below(4)],
                    10000 + rng.below(30000),
                    2010 + rng.below(14)
                )
            })
            .collect();
        Practice {
            index,
            aspect: ASPECTS[rng.below(ASPECTS.len())],
            region: rng.below(REGIONS_ZH.len()),
            date: format!(
                "{}-{:02}-{:02}",
                2015 + rng.below(10),
                1 + rng.below(12),
                1 + rng.below(28)
            ),
            tags,
            standards,
            links: (0..2).map(|_| rng.below(total)).collect(),
            sections: 2 + rng.below(5),
        }
    }

    fn markdown(&self, lang: &str, rng: &mut Rng) -> String {
        let zh = lang == "zh";
        let (words, tags, regions) = if zh {
            (&WORDS_ZH, &TAGS_ZH, &REGIONS_ZH)
        } else {
            (&WORDS_EN, &TAGS_EN, &REGIONS_EN)
        };
        let title = sentence(rng, words, 6, zh);
        let mut out = String::new();
        let _ = writeln!(out, "---");
        let _ = writeln!(
            out,
            "title: \"{} {}\"",
            title.trim_end_matches(['。', '.']),
            self.index
        );
        let _ = writeln!(out, "aspect: {}", self.aspect);
        let _ = writeln!(out, "region: {}", regions[self.region]);
        let _ = writeln!(
            out,
            "organisation: \"{}\"",
            sentence(rng, words, 3, zh).trim_end_matches(['。', '.'])
        );
        let _ = writeln!(out, "date: {}", self.date);
        let tag_list: Vec<String> = self
            .tags
            .iter()
            .map(|&t| format!("\"{}\"", tags[t]))
            .collect();
        let _ = writeln!(out, "tags: [{}]", tag_list.join(", "));
        let standard_list: Vec<String> =
            self.standards.iter().map(|s| format!("\"{s}\"")).collect();
        let _ = writeln!(out, "standards: [{}]", standard_list.join(", "));
        let _ = writeln!(out, "source: https://example.org/source/{}", self.index);
        let _ = writeln!(out, "summary: \"{}\"", sentence(rng, words, 18, zh));
        let _ = writeln!(out, "---\n");
        for section in 0..self.sections {
            let _ = writeln!(
                out,
                "## {}\n",
                sentence(rng, words, 3, zh).trim_end_matches(['。', '.'])
            );
            for _ in 0..1 + rng.below(4) {
                let _ = writeln!(out, "{}\n", paragraph(rng, words, zh));
            }
            match section % 3 {
                0 => {
                    for _ in 0..3 {
                        let _ = writeln!(out, "- {}", sentence(rng, words, 8, zh));
                    }
                    out.push('\n');
                }
                1 => {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} |\n| --- | --- | --- |",
                        words[0], words[1], words[2]
                    );
                    for _ in 0..3 {
                        let _ = writeln!(
                            out,
                            "| {} | {} | {}% |",
                            rng.pick(words),
                            rng.pick(words),
                            rng.below(100)
                        );
                    }
                    out.push('\n');
                }
                _ => {
                    let _ = writeln!(
                        out,
                        "### {}\n\n{}\n",
                        rng.pick(words),
                        paragraph(rng, words, zh)
                    );
                }
            }
        }
        let links: Vec<String> = self
            .links
            .iter()
            .map(|&l| format!("[{}](p{l:05}.{lang}.md)", rng.pick(words)))
            .collect();
        let _ = writeln!(
            out,
            "{}: {}",
            if zh { "另见" } else { "See also" },
            links.join(", ")
        );
        out
    }
}

fn sentence(rng: &mut Rng, words: &[&str], length: usize, zh: bool) -> String {
    let mut s = String::new();
    for i in 0..length.max(1) {
        let word = rng.pick(words);
        if zh {
            s.push_str(word);
        } else {
            if i > 0 {
                s.push(' ');
            }
            if i == 0 {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    s.extend(first.to_uppercase());
                    s.push_str(chars.as_str());
                }
            } else if rng.below(12) == 0 {
                s.push_str(&format!("*{word}*"));
            } else {
                s.push_str(word);
            }
        }
    }
    s.push(if zh { '。' } else { '.' });
    s
}

fn paragraph(rng: &mut Rng, words: &[&str], zh: bool) -> String {
    let count = 3 + rng.below(8);
    let sentences: Vec<String> = (0..count)
        .map(|_| {
            let length = 6 + rng.below(14);
            sentence(rng, words, length, zh)
        })
        .collect();
    sentences.join(if zh { "" } else { " " })
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

const SITE_YAML: &str = r#"title:
  zh: 基准案例集
  en: Benchmark casebook
base_url: https://example.org/
default_language: zh
languages:
  - code: zh
    name: 中文
  - code: en
    name: English
collections:
  practices:
    folder: practices
    title: { zh: 典型经验做法, en: Best practices }
    paginate: 20
    fields:
      title: { type: string, required: true }
      aspect: { type: term, taxonomy: aspect, required: true }
      region: { type: term, taxonomy: region }
      organisation: { type: string }
      date: { type: date, required: true }
      tags: { type: list, of: term, taxonomy: tags }
      standards: { type: list, of: standard }
      source: { type: url }
      summary: { type: text }
taxonomies:
  aspect:
    title: { zh: 五个方面, en: Five aspects }
    closed: true
    paginate: 20
    terms:
      - key: enterprise-innovation
        name: { zh: 标准化助力商贸流通企业创新发展, en: Innovative development of circulation enterprises }
      - key: urban-rural
        name: { zh: 推动城乡流通协调发展, en: Coordinated urban and rural circulation }
      - key: green
        name: { zh: 引领流通行业绿色发展, en: Green circulation }
      - key: logistics
        name: { zh: 支撑商贸物流高效运行, en: Efficient logistics }
      - key: trade-integration
        name: { zh: 促进内外贸一体化发展, en: Domestic and foreign trade integration }
  region:
    title: { zh: 地区, en: Regions }
    paginate: 20
  tags:
    title: { zh: 标签, en: Tags }
    paginate: 20
  year:
    title: { zh: 年份, en: Years }
    from: date
    paginate: 20
"#;
