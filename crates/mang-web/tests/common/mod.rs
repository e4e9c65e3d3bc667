//! `TestApp`: the real application on 127.0.0.1:0 over a fresh database (SQLite file, or
//! PostgreSQL with `MANG_TEST_BACKEND=postgres`), seeded with a small demo province
//! (Hải Phòng) plus named fixtures, and HTTP clients that log in like users do.
#![allow(dead_code)]

use mang_domain::access::Role;
use mang_domain::units::UnitCode;
use mang_store::demo::{self, DemoParams};
use mang_store::testing::TestDb;
use mang_store::users::{self, NewUser};
use mang_store::{OpenMode, Store};
use sqlx::Row;

pub const PASSWORD: &str = "mat-khau-thu-nghiem";

pub struct TestApp {
    pub base: String,
    pub store: Store,
    _db: TestDb,
}

/// A household with one child, written straight into the database as test fixture.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub province: String,
    pub commune: String,
    pub village: Option<String>,
    pub child_id: i64,
    pub child_name: String,
    pub household_id: i64,
    pub household_code: String,
    pub head_name: String,
}

impl TestApp {
    pub async fn spawn(children: u64) -> TestApp {
        let db = TestDb::new().await;
        let store = Store::open(&db.location, OpenMode::CreateOrMigrate)
            .await
            .expect("open test db");
        let as_of = time::Date::from_calendar_date(2026, time::Month::June, 30).unwrap();
        demo::run(
            &store,
            &DemoParams {
                province: "31".into(),
                children,
                seed: 11,
                as_of,
            },
            |_, _| {},
        )
        .await
        .expect("demo data");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = mang_web::app(store.clone());
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .unwrap();
        });
        TestApp {
            base: format!("http://{addr}"),
            store,
            _db: db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn add_user(&self, username: &str, role: Role, unit: &str) {
        users::create(
            &self.store,
            None,
            NewUser {
                username: username.into(),
                display_name: format!("Người thử {username}"),
                password: PASSWORD.into(),
                role,
                unit: UnitCode::parse(unit).unwrap(),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("create {username}: {e}"));
    }

    /// A village code of `commune` with the given serial, creating it if needed.
    pub async fn village(&self, commune: &str, serial: u32) -> String {
        let code = format!("{commune}-{serial:03}");
        if mang_store::units::get(&self.store, &code).await.is_err() {
            let c = mang_store::units::get(&self.store, commune).await.unwrap();
            let mut tx = self.store.begin_write().await.unwrap();
            mang_store::units::insert_village(&mut tx, &c, &format!("Thôn Phụ {serial}"))
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        code
    }

    pub async fn fixture(&self, commune: &str, village: Option<&str>, tag: &str) -> Fixture {
        let unit = mang_store::units::get(&self.store, commune).await.unwrap();
        let province = unit.province_code.clone().unwrap();
        let code = format!("{commune}-T{tag}");
        let head = format!("Chủ Hộ {tag} Ngoại Lệ");
        // Names carry no digits (the registry rejects them): A1 → "A Một", A2 → "A Hai".
        let name = format!(
            "Đoàn Thị {} Ẩn Danh",
            tag.replace('1', " Một").replace('2', " Hai")
        );
        let hid: i64 = sqlx::query(
            "INSERT INTO households (code, province_code, commune_code, village_code, head_name, address, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'Số 1', 'x', 'x') RETURNING id",
        )
        .bind(&code)
        .bind(&province)
        .bind(commune)
        .bind(village)
        .bind(&head)
        .fetch_one(self.store.pool())
        .await
        .unwrap()
        .get(0);
        let cid: i64 = sqlx::query(
            "INSERT INTO children (household_id, full_name, name_folded, name_key, sex, birth_date, personal_id, province_code, commune_code, village_code, created_at, updated_at) \
             VALUES ($1, $2, $3, $7, 'female', '2019-03-08', '031319123456', $4, $5, $6, 'x', 'x') RETURNING id",
        )
        .bind(hid)
        .bind(&name)
        .bind(mang_domain::text::fold(&name))
        .bind(&province)
        .bind(commune)
        .bind(village)
        .bind(mang_domain::names::sort_key(&name))
        .fetch_one(self.store.pool())
        .await
        .unwrap()
        .get(0);
        Fixture {
            province,
            commune: commune.into(),
            village: village.map(Into::into),
            child_id: cid,
            child_name: name,
            household_id: hid,
            household_code: code,
            head_name: head,
        }
    }

    /// The commune the demo user `xa` (A) and `xa2` (B) belong to.
    pub async fn demo_commune(&self, username: &str) -> String {
        sqlx::query_scalar("SELECT unit_code FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(self.store.pool())
            .await
            .unwrap()
    }

    pub async fn child_version(&self, id: i64) -> i64 {
        sqlx::query_scalar("SELECT version FROM children WHERE id = $1")
            .bind(id)
            .fetch_one(self.store.pool())
            .await
            .unwrap()
    }

    pub async fn child_name(&self, id: i64) -> String {
        sqlx::query_scalar("SELECT full_name FROM children WHERE id = $1")
            .bind(id)
            .fetch_one(self.store.pool())
            .await
            .unwrap()
    }

    /// A browser-like client: cookies, no automatic redirects; logged in through the form.
    pub async fn browser(&self, username: &str, password: &str) -> Browser {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let login = client
            .get(self.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = hidden(&login, "_csrf");
        let resp = client
            .post(self.url("/login"))
            .form(&[
                ("username", username),
                ("password", password),
                ("_csrf", csrf.as_str()),
            ])
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let mut b = Browser {
            client,
            base: self.base.clone(),
            csrf: String::new(),
            login_status: status,
        };
        if status == 303 {
            let home = b.get("/").await.1;
            b.csrf = hidden(&home, "_csrf");
        }
        b
    }

    /// An API client with a bearer token.
    pub async fn api(&self, username: &str) -> Api {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let resp = client
            .post(self.url("/api/v1/auth/token"))
            .json(&serde_json::json!({ "username": username, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "token for {username}");
        let v: serde_json::Value = resp.json().await.unwrap();
        Api {
            client,
            base: self.base.clone(),
            token: v["token"].as_str().unwrap().to_owned(),
        }
    }
}

/// Value of the first hidden input named `name` in an HTML page.
pub fn hidden(html: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    html.find(&needle)
        .map(|i| {
            let rest = &html[i + needle.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .unwrap_or_default()
}

pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
    pub csrf: String,
    pub login_status: u16,
}

impl Browser {
    pub async fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .client
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let mut f: Vec<(&str, &str)> = form.to_vec();
        f.push(("_csrf", self.csrf.as_str()));
        let r = self
            .client
            .post(format!("{}{}", self.base, path))
            .form(&f)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }
}

pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, String) {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }
    pub async fn get(&self, path: &str) -> (u16, String) {
        self.send(reqwest::Method::GET, path, None).await
    }
}

impl TestApp {
    /// API client for a demo account (password `mang-demo-2026`).
    pub async fn api_for_demo(&self, username: &str) -> Api {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let v: serde_json::Value = client
            .post(self.url("/api/v1/auth/token"))
            .json(&serde_json::json!({ "username": username, "password": demo::DEMO_PASSWORD }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Api {
            client,
            base: self.base.clone(),
            token: v["token"].as_str().unwrap().to_owned(),
        }
    }
}
