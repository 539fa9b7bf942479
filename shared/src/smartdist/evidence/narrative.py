"""The written parts of the acceptance evidence pack, per service, in zh-TW and English.

The programme's progress report asks, for each solution: its objectives, the process before
(AS-IS) and after (TO-BE), how the store and its customers use it, and the service's
architecture; the figures (KPI achievement) come from the services themselves. These texts say
what the software does; they hold no figures, so nothing here can disagree with the KPI log.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Narrative:
    objectives: str
    as_is: str
    to_be: str
    usage: str
    architecture: str


PLATFORM_ARCHITECTURE = {
    "zh-TW": (
        "六個獨立的 Python 微服務（FastAPI），各有自己的資料庫結構描述與 Alembic 遷移；"
        "控制台負責登入並以 Ed25519 簽發存取權杖，各服務只持公鑰驗證。服務之間以事件溝通："
        "每筆業務異動與其事件在同一交易寫入 outbox，再由轉送程序送上事件匯流排"
        "（展示環境內嵌，正式環境為 Redis Streams），重複或亂序的事件只處理一次。"
        "長時間工作（排線、訓練、影像處理）交由 Celery 工作程序，具租約與重試上限。"
        "每份單據狀態改變時寫入 KPI 紀錄，本報告的數字即由各服務的 KPI 介面計算。"
    ),
    "en": (
        "Six independent Python microservices (FastAPI), each with its own database schema and "
        "Alembic migrations; the console signs people in and issues Ed25519-signed access tokens "
        "that the services verify with the public key only. Services talk through events: every "
        "business change and its event are written in one transaction to an outbox, then a relay "
        "puts them on the event bus (embedded in the demo, Redis Streams in production); repeated "
        "or reordered events are handled once. Long jobs (route planning, training, image "
        "processing) run on Celery workers with leases and bounded retries. Every business "
        "document writes a KPI record when its state changes; the figures of this report are "
        "computed by each service's KPI API from those records."
    ),
}


NARRATIVES: dict[str, dict[str, Narrative]] = {
    "dispatch": {
        "zh-TW": Narrative(
            objectives="縮短每日排線時間至少 10%，並累計處理 250 張以上配送單。",
            as_is="調度員依經驗在紙本或 Excel 上分配訂單與排定路線，司機以電話回報，簽收單事後補登。",
            to_be="訂單匯入後由最佳化引擎依時窗、載重與班表排線，發布到司機手機；簽收、拍照、代收款即時回傳。",
            usage=(
                "門市人員匯入或建立訂單並發布路線；司機在手機上依序配送、簽收，離線時也能操作；顧客收到預計到達時間。"
            ),
            architecture=(
                "dispatch 服務：訂單、車隊、排線工作（OR-Tools）、路線看板與司機應用程式；"
                "距離矩陣與地理編碼經由可替換的介面。"
            ),
        ),
        "en": Narrative(
            objectives="Cut daily route planning time by at least 10% and handle 250+ delivery orders.",
            as_is=(
                "A dispatcher assigns orders and routes by experience on paper or in Excel; drivers report by phone; "
                "proofs of delivery are typed in later."
            ),
            to_be=(
                "Imported orders are planned by the optimiser within time windows, capacities and shifts, published "
                "to the drivers' phones; signatures, photos and cash come back live."
            ),
            usage=(
                "Store staff import or create orders and publish routes; drivers follow their stops on the phone, "
                "also offline; customers get an arrival time."
            ),
            architecture=(
                "The dispatch service: orders, fleet, planning jobs (OR-Tools), the route board and the driver app; "
                "distance matrix and geocoding behind replaceable ports."
            ),
        ),
    },
    "forecast": {
        "zh-TW": Narrative(
            objectives="在滿足率不降低的前提下，門市庫存降低至少 5%；預測門市 × 商品組合累計 250 組以上。",
            as_is="店長依上週銷量與經驗叫貨，常見缺貨與過期報廢並存。",
            to_be=(
                "上傳 POS 銷售資料後訓練預測模型，每日提供各門市商品的需求預測與補貨建議，"
                "並以歷史資料模擬比較庫存與滿足率。"
            ),
            usage="店長上傳銷售資料、查看預測與補貨建議並下載訂貨單；總部以模擬結果確認庫存降低的成效。",
            architecture="forecast 服務：POS 匯入、全域 LightGBM 與季節模型、回測與預測區間、補貨建議與庫存模擬。",
        ),
        "en": Narrative(
            objectives=(
                "Cut store inventory by at least 5% at no worse fill rate; forecast 250+ store × product series."
            ),
            as_is=(
                "Store managers order by last week's sales and experience; stock-outs and expired waste happen side "
                "by side."
            ),
            to_be=(
                "POS sales are uploaded and a forecasting model trained; each day brings demand forecasts and order "
                "suggestions per store and product, and a simulation on the history compares stock and fill rate."
            ),
            usage=(
                "Store managers upload sales, read forecasts and order suggestions and download order sheets; head "
                "office checks the inventory cut in the simulation."
            ),
            architecture=(
                "The forecast service: POS import, a global LightGBM and seasonal models, back-tests and prediction "
                "bands, replenishment suggestions and the inventory simulation."
            ),
        ),
    },
    "wms": {
        "zh-TW": Narrative(
            objectives="單據處理時間縮短至少 10%；完成入庫與出庫單累計 250 張以上。",
            as_is="紙本收貨單、紙本揀貨單與人工記帳，Excel 揀貨表列印後再回填。",
            to_be="入庫通知、收貨檢驗、上架、揀貨與出貨都在 PDA 或手機上掃描完成，庫存依批號與效期即時更新。",
            usage="倉管人員以 PDA 掃描收貨、上架與揀貨；辦公室人員匯入訂單；ERP 與網店透過 API 送入通知與出貨單。",
            architecture=(
                "wms 服務：主檔、入庫、庫存帳、盤點、出庫（FEFO／FIFO 配貨）與退貨；庫存異動帳可重建並核對在庫量。"
            ),
        ),
        "en": Narrative(
            objectives="Cut document processing time by at least 10%; complete 250+ inbound and outbound orders.",
            as_is=(
                "Paper receiving notes, paper pick lists and manual stock keeping; printed Excel pick sheets retyped "
                "afterwards."
            ),
            to_be=(
                "Inbound notices, receiving with inspection, putaway, picking and shipping are scanned on a PDA or "
                "phone; stock by lot and expiry is current at once."
            ),
            usage=(
                "Warehouse staff scan receipts, putaways and picks on PDAs; office clerks import orders; ERPs and "
                "e-shops push notices and orders by API."
            ),
            architecture=(
                "The wms service: master data, inbound, the stock ledger, cycle counts, outbound (FEFO/FIFO "
                "allocation) and returns; on-hand is rebuilt from the movement ledger and checked."
            ),
        ),
    },
    "delivery-broker": {
        "zh-TW": Narrative(
            objectives="營收提升至少 5%；完成配送委託累計 250 筆以上。",
            as_is="店家分別登入各外送平台叫車、比價，訂單狀態需逐一查詢。",
            to_be="一次詢價比較各平台與自有車隊的價格與時間，一鍵叫車，狀態由平台回呼即時更新，並可公開追蹤。",
            usage="店員輸入取送地點後選擇推薦的配送方式；顧客以追蹤連結查看配送進度。",
            architecture=(
                "delivery-broker 服務：各平台轉接器（含沙盒）、詢價、叫車、回呼驗證與狀態同步；自有車隊交由 dispatch "
                "派車。"
            ),
        ),
        "en": Narrative(
            objectives="Grow revenue by at least 5%; complete 250+ delivery requests.",
            as_is=(
                "The store logs in to each delivery platform to compare prices and book; every order's status is "
                "looked up one by one."
            ),
            to_be=(
                "One quote compares every platform and the own fleet on price and time, one click books, the "
                "platforms' webhooks keep the status current, with a public tracking page."
            ),
            usage=(
                "A clerk enters pickup and drop-off and books the recommended option; customers follow the delivery "
                "by its tracking link."
            ),
            architecture=(
                "The delivery-broker service: platform adapters (with sandboxes), quotes, bookings, signed webhooks "
                "and status sync; the own fleet is handed to dispatch."
            ),
        ),
    },
    "surplus-market": {
        "zh-TW": Narrative(
            objectives="營收提升至少 5%（原本報廢的商品以零計）；媒合交易累計 250 筆以上。",
            as_is="即期品在門市貼折扣標籤或直接報廢；品牌商的退貨與滯銷箱貨缺少銷售管道。",
            to_be="即期品依剩餘時數自動降價上架，附近的消費者預訂、付款並於時段內取貨；箱貨經由配送平台送到府。",
            usage="門市上架即期品並掃描取貨碼；消費者在手機上搜尋附近優惠、收藏店家並接收通知。",
            architecture=(
                "surplus-market 服務：賣家、商品與降價排程、附近搜尋、預訂與付款介面（沙盒）、取貨驗證、"
                "撥款與減碳報告；WMS 即期批號自動成為草稿商品。"
            ),
        ),
        "en": Narrative(
            objectives="Grow revenue by at least 5% (scrapped goods count as zero before); match 250+ transactions.",
            as_is=(
                "Near-expiry goods get a markdown sticker in the store or are scrapped; brands' returns and slow case "
                "lots have no outlet."
            ),
            to_be=(
                "Near-expiry goods are listed with prices that fall by hours left; nearby consumers reserve, pay and "
                "pick up in a window; case lots go to homes through the delivery platforms."
            ),
            usage=(
                "Stores list near-expiry goods and scan pickup codes; consumers search bargains nearby on their "
                "phones, follow favourite stores and get alerts."
            ),
            architecture=(
                "The surplus-market service: sellers, listings and markdown schedules, nearby search, reservations "
                "with a payment port (sandbox), pickup verification, payouts and the impact report; WMS near-expiry "
                "lots become draft listings."
            ),
        ),
    },
    "virtual-store": {
        "zh-TW": Narrative(
            objectives="營收提升至少 5%；虛擬商店瀏覽與優惠券兌換累計 250 次以上。",
            as_is="門市只在實體店面展示商品，線上缺少吸引來店的管道，紙本折價券難以追蹤成效。",
            to_be="以 360° 環景呈現門市並標示商品熱點，線上領取數位優惠券，到店由店員掃碼兌換且只能兌換一次。",
            usage="店家上傳環景照片、放置熱點並發行優惠券；訪客在手機或電腦上逛店領券；店員在櫃檯掃描兌換。",
            architecture=(
                "virtual-store 服務：環景上傳與多解析度圖磚、場景與熱點編輯、公開檢視頁、優惠活動、領取與兌換。"
            ),
        ),
        "en": Narrative(
            objectives="Grow revenue by at least 5%; reach 250+ virtual-store views and coupon redemptions.",
            as_is=(
                "Goods are shown only in the physical store; nothing online brings visitors in, and paper coupons "
                "cannot be tracked."
            ),
            to_be=(
                "The store is shown in 360° with product hotspots; visitors claim digital coupons online and a clerk "
                "redeems each exactly once at the counter."
            ),
            usage=(
                "The owner uploads panoramas, places hotspots and issues coupons; visitors browse and claim on phones "
                "or desktops; clerks scan at the counter."
            ),
            architecture=(
                "The virtual-store service: panorama upload and multi-resolution tiles, scene and hotspot editor, "
                "public viewer, campaigns, claims and redemptions."
            ),
        ),
    },
}

# How to measure each baseline before go-live: what the merchant writes down, and for how long.
BASELINE_HOWTO: dict[str, dict[str, str]] = {
    "zh-TW": {
        "manual_planning_minutes_per_day": "導入前連續兩週，每天記下調度員從拿到訂單到路線排定所花的分鐘數，取平均。",
        "manual_distance_km_per_day": "同一期間每天所有車輛的里程表差額加總，取平均。",
        "avg_store_inventory_units": (
            "導入前一個月每週盤點一次各門市各商品的在庫量，取平均（可不填，模擬會以同期歷史比較）。"
        ),
        "paper_minutes_per_document": "導入前抽樣至少 30 張入庫與出庫單，記下從單據到達到完成的分鐘數，取平均。",
        "paper_sheets_per_document": "同一批單據平均每張列印的 A4 張數（收貨單、揀貨單、出貨單）。",
        "monthly_revenue_before_twd": "導入前三個月的月營收平均（依帳冊或 POS 報表），不含稅。",
    },
    "en": {
        "manual_planning_minutes_per_day": (
            "For two weeks before go-live, write down each day the minutes from receiving the orders to the finished "
            "plan; enter the average."
        ),
        "manual_distance_km_per_day": (
            "Over the same days, add up every van's odometer difference per day; enter the average."
        ),
        "avg_store_inventory_units": (
            "In the month before go-live, count each store's on-hand per product weekly; enter the average (optional: "
            "the simulation compares with the same history)."
        ),
        "paper_minutes_per_document": (
            "Sample at least 30 inbound and outbound documents before go-live and time each from arrival to "
            "completion; enter the average minutes."
        ),
        "paper_sheets_per_document": (
            "A4 sheets printed per document in the same sample (receiving note, pick list, delivery note)."
        ),
        "monthly_revenue_before_twd": (
            "Average monthly revenue of the three months before go-live (books or POS reports), before tax."
        ),
    },
}
