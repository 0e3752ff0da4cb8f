#!/usr/bin/python3
"""A minimal WebKitGTK browser for WebKitWebDriver, with storage on disk.

MiniBrowser's automation mode keeps website data in a throwaway store where Blobs in IndexedDB
and OPFS fail (../../shared/TESTING.md "Other engines"); this one keeps it in --data-dir and turns
on the Storage and File System APIs. WebKitWebDriver starts it (webkitgtk:browserOptions.binary)
and matches its browserName against the name set below.
Usage: webkit-browser.py --automation --data-dir=DIR
"""
import sys

import gi

gi.require_version('Gtk', '3.0')
gi.require_version('WebKit2', '4.1')
from gi.repository import Gtk, WebKit2  # noqa: E402

NAME = 'FamilyVaultWebKit'
FEATURES = {'StorageAPI', 'StorageAPIEstimate', 'FileSystem', 'FileSystemWritableStream', 'AccessHandle', 'ServiceWorkers', 'IndexedDBAPI'}

data_dir = next((a.split('=', 1)[1] for a in sys.argv[1:] if a.startswith('--data-dir=')), None)
if not data_dir:
    sys.exit('webkit-browser.py: --data-dir=DIR is required')

manager = WebKit2.WebsiteDataManager(base_data_directory=f'{data_dir}/data', base_cache_directory=f'{data_dir}/cache')
context = WebKit2.WebContext(website_data_manager=manager)
context.set_automation_allowed(True)

settings = WebKit2.Settings()
features = WebKit2.Settings.get_all_features()
for i in range(features.get_length()):
    feature = features.get(i)
    if feature.get_identifier() in FEATURES:
        settings.set_feature_enabled(feature, True)

windows = []


def create_view(_session):
    view = WebKit2.WebView(web_context=context, settings=settings, is_controlled_by_automation=True)
    window = Gtk.Window()
    window.set_default_size(900, 900)
    window.add(view)
    window.show_all()
    view.connect('close', lambda v: window.destroy())
    windows.append(window)
    return view


def automation_started(_context, session):
    info = WebKit2.ApplicationInfo()
    info.set_name(NAME)
    info.set_version(WebKit2.get_major_version(), WebKit2.get_minor_version(), WebKit2.get_micro_version())
    session.set_application_info(info)
    session.connect('create-web-view', create_view)


context.connect('automation-started', automation_started)
Gtk.main()
