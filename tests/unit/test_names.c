/* Name tables and formatters against MS-IISS 3.1.4 (HRESULTs, opnums),
 * MS-SCMR 2.2.47 (SERVICE_STATUS), MS-ERREF 2.1 (HRESULT layout) and C706
 * Appendix E (fault status). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iiss/names.h"

static void test_interface_ids_in_wire_order(void **state)
{
    (void)state;
    /* E8FB8620-588F-11D2-9D61-00C04F79C5FE: Data1, Data2, Data3 little-endian. */
    const uint8_t iid[16] = {0x20, 0x86, 0xFB, 0xE8, 0x8F, 0x58, 0xD2, 0x11,
                             0x9D, 0x61, 0x00, 0xC0, 0x4F, 0x79, 0xC5, 0xFE};
    const uint8_t clsid[16] = {0x21, 0x86, 0xFB, 0xE8, 0x8F, 0x58, 0xD2, 0x11,
                               0x9D, 0x61, 0x00, 0xC0, 0x4F, 0x79, 0xC5, 0xFE};
    assert_memory_equal(iiss_iid_bytes, iid, 16);
    assert_memory_equal(iiss_clsid_bytes, clsid, 16);
    assert_string_equal(IISS_IID_STRING, "E8FB8620-588F-11D2-9D61-00C04F79C5FE");
}

static void test_method_names(void **state)
{
    (void)state;
    assert_string_equal(iiss_lookup(iiss_method_names, 0), "QueryInterface");
    assert_string_equal(iiss_lookup(iiss_method_names, 6), "Invoke");
    assert_string_equal(iiss_lookup(iiss_method_names, 7), "Stop");
    assert_string_equal(iiss_lookup(iiss_method_names, 8), "Start");
    assert_string_equal(iiss_lookup(iiss_method_names, 9), "Reboot");
    assert_string_equal(iiss_lookup(iiss_method_names, 10), "Status");
    assert_string_equal(iiss_lookup(iiss_method_names, 11), "Kill");
    assert_null(iiss_lookup(iiss_method_names, 12));
}

static void test_service_states(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(iiss_lookup(iiss_service_state_names, 1), "SERVICE_STOPPED");
    assert_string_equal(iiss_lookup(iiss_service_state_names, 4), "SERVICE_RUNNING");
    assert_string_equal(iiss_lookup(iiss_service_state_names, 7), "SERVICE_PAUSED");
    assert_null(iiss_lookup(iiss_service_state_names, 0));
    assert_string_equal(iiss_state_format(2, buf, sizeof buf), "SERVICE_START_PENDING");
    assert_string_equal(iiss_state_format(8, buf, sizeof buf), "UNKNOWN(0x8)");
}

static void test_service_types(void **state)
{
    (void)state;
    char buf[128];
    assert_string_equal(iiss_service_type_format(0x10, buf, sizeof buf), "SERVICE_WIN32_OWN_PROCESS");
    assert_string_equal(iiss_service_type_format(0x20, buf, sizeof buf), "SERVICE_WIN32_SHARE_PROCESS");
    assert_string_equal(iiss_service_type_format(0x50, buf, sizeof buf), "SERVICE_USER_OWN_PROCESS");
    assert_string_equal(iiss_service_type_format(0x60, buf, sizeof buf), "SERVICE_USER_SHARE_PROCESS");
    assert_string_equal(iiss_service_type_format(0x110, buf, sizeof buf),
                        "SERVICE_WIN32_OWN_PROCESS|SERVICE_INTERACTIVE_PROCESS");
    /* No whole name: bits, then the unknown rest in hex. */
    assert_string_equal(iiss_service_type_format(0x3, buf, sizeof buf),
                        "SERVICE_KERNEL_DRIVER|SERVICE_FILE_SYSTEM_DRIVER");
    assert_string_equal(iiss_service_type_format(0x1008, buf, sizeof buf), "0x1008");
    assert_string_equal(iiss_service_type_format(0, buf, sizeof buf), "0");
    assert_string_equal(iiss_lookup(iiss_service_type_bits, 0x40), "SERVICE_USER_SERVICE");
    assert_string_equal(iiss_lookup(iiss_service_type_bits, 0x80), "SERVICE_USERSERVICE_INSTANCE");
}

static void test_controls_accepted(void **state)
{
    (void)state;
    char buf[256];
    assert_string_equal(iiss_flags_format(iiss_controls_accepted_bits, 0x5, buf, sizeof buf),
                        "SERVICE_ACCEPT_STOP|SERVICE_ACCEPT_SHUTDOWN");
    assert_string_equal(iiss_flags_format(iiss_controls_accepted_bits, 0, buf, sizeof buf), "0");
    assert_string_equal(iiss_flags_format(iiss_controls_accepted_bits, 0x401, buf, sizeof buf),
                        "SERVICE_ACCEPT_STOP|SERVICE_ACCEPT_TRIGGEREVENT");
    assert_string_equal(iiss_flags_format(iiss_controls_accepted_bits, 0x80000100, buf, sizeof buf),
                        "SERVICE_ACCEPT_PRESHUTDOWN|0x80000000");
    assert_string_equal(iiss_lookup(iiss_controls_accepted_bits, 0x200), "SERVICE_ACCEPT_TIMECHANGE");
}

/* Truncation keeps the buffer terminated. */
static void test_format_truncates(void **state)
{
    (void)state;
    char buf[8];
    iiss_flags_format(iiss_controls_accepted_bits, 0x7, buf, sizeof buf);
    assert_int_equal(strlen(buf), 7);
    assert_memory_equal(buf, "SERVICE", 7);
    char one[1] = {'x'};
    iiss_hresult_format(0x80070002, one, sizeof one);
    assert_int_equal(one[0], '\0');
}

static void test_win32_errors(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(iiss_lookup(iiss_win32_error_names, 0), "ERROR_SUCCESS");
    assert_string_equal(iiss_lookup(iiss_win32_error_names, 1053), "ERROR_SERVICE_REQUEST_TIMEOUT");
    assert_string_equal(iiss_lookup(iiss_win32_error_names, 1062), "ERROR_SERVICE_NOT_ACTIVE");
    assert_string_equal(iiss_lookup(iiss_win32_error_names, 1066), "ERROR_SERVICE_SPECIFIC_ERROR");
    assert_string_equal(iiss_lookup(iiss_win32_error_names, 1077), "ERROR_SERVICE_NEVER_STARTED");
    assert_string_equal(iiss_lookup(iiss_win32_error_names, 1115), "ERROR_SHUTDOWN_IN_PROGRESS");
    assert_string_equal(iiss_lookup(iiss_win32_error_names, 4309), "ERROR_RESOURCE_DISABLED");
    /* Every code of the service range 1051-1077 has a name. */
    for (uint32_t code = 1051; code <= 1077; code++)
        assert_non_null(iiss_lookup(iiss_win32_error_names, code));
    assert_string_equal(iiss_win32_error_format(1067, buf, sizeof buf), "ERROR_PROCESS_ABORTED");
    assert_string_equal(iiss_win32_error_format(9999, buf, sizeof buf), "9999");
}

static void test_spec_hresults(void **state)
{
    (void)state;
    char buf[128];
    assert_string_equal(iiss_hresult_format(0x00000000, buf, sizeof buf), "S_OK");
    assert_string_equal(iiss_hresult_format(0x80070008, buf, sizeof buf), "E_ERROR_NOT_ENOUGH_MEMORY");
    assert_string_equal(iiss_hresult_format(0x8007007A, buf, sizeof buf), "E_ERROR_INSUFFICIENT_BUFFER");
    assert_string_equal(iiss_hresult_format(0x8007041D, buf, sizeof buf), "E_ERROR_SERVICE_REQUEST_TIMEOUT");
    assert_string_equal(iiss_hresult_format(0x8000041D, buf, sizeof buf), "E_ERROR_SERVICE_REQUEST_TIMEOUT");
    assert_string_equal(iiss_hresult_format(0x800710D5, buf, sizeof buf), "E_ERROR_RESOURCE_DISABLED");
    assert_string_equal(iiss_hresult_format(0x80004001, buf, sizeof buf), "E_NOTIMPL");
    assert_string_equal(iiss_hresult_format(0x80070005, buf, sizeof buf), "E_ACCESSDENIED");
    assert_string_equal(iiss_hresult_format(0x800706BA, buf, sizeof buf), "RPC_S_SERVER_UNAVAILABLE");
}

/* Values without a name get severity, facility and code. */
static void test_structured_hresults(void **state)
{
    (void)state;
    char buf[128];
    /* Facility 7 carries a Win32 code: 2 is ERROR_FILE_NOT_FOUND. */
    assert_string_equal(iiss_hresult_format(0x80070002, buf, sizeof buf),
                        "FAILURE facility=WIN32(7) code=0x0002 (ERROR_FILE_NOT_FOUND)");
    /* 0x80070422: Win32 1058 ERROR_SERVICE_DISABLED. */
    assert_string_equal(iiss_hresult_format(0x80070422, buf, sizeof buf),
                        "FAILURE facility=WIN32(7) code=0x0422 (ERROR_SERVICE_DISABLED)");
    /* An unnamed Win32 code still gets the facility. */
    assert_string_equal(iiss_hresult_format(0x80071234, buf, sizeof buf), "FAILURE facility=WIN32(7) code=0x1234");
    assert_string_equal(iiss_hresult_format(0x00040005, buf, sizeof buf), "SUCCESS facility=ITF(4) code=0x0005");
    /* Customer bit (0x20000000) noted; facility 0x123 has no name. */
    assert_string_equal(iiss_hresult_format(0xA1230001, buf, sizeof buf), "FAILURE customer facility=291 code=0x0001");
}

static void test_fault_status(void **state)
{
    (void)state;
    assert_string_equal(iiss_lookup(iiss_fault_status_names, 0x1C010002), "nca_s_op_rng_error");
    assert_string_equal(iiss_lookup(iiss_fault_status_names, 0x1C010003), "nca_s_unk_if");
    assert_string_equal(iiss_lookup(iiss_fault_status_names, 0x1C01000B), "nca_s_proto_error");
    assert_string_equal(iiss_lookup(iiss_fault_status_names, 0x1C00001A), "nca_s_fault_context_mismatch");
    /* Windows puts Win32 values in faults; DCE/RPC tools name them nca_s_fault_*. */
    assert_string_equal(iiss_lookup(iiss_fault_status_names, 0x00000005), "nca_s_fault_access_denied");
    assert_string_equal(iiss_lookup(iiss_fault_status_names, 0x000006F7), "nca_s_fault_ndr");
    assert_string_equal(iiss_lookup(iiss_fault_status_names, 0x000006D8), "nca_s_fault_cant_perform");
    assert_string_equal(iiss_lookup(iiss_fault_status_names, 0x000006D1), "RPC_S_PROCNUM_OUT_OF_RANGE");
    assert_null(iiss_lookup(iiss_fault_status_names, 0x1C0100FF));
}

/* MS-RPCE 2.2.1.1.7 / 2.2.1.1.8, C706 12.6.4.1; UUIDs in the registry
 * form of MS-IISS 1.9. */
static void test_dce_names_and_uuid(void **state)
{
    (void)state;
    char buf[IISS_UUID_STR_MAX];
    assert_string_equal(iiss_uuid_format(iiss_iid_bytes, buf, sizeof buf), IISS_IID_STRING);
    assert_string_equal(iiss_uuid_format(iiss_clsid_bytes, buf, 9), "E8FB8621"); /* truncated as snprintf */
    assert_string_equal(iiss_dce_auth_level_name(6), "PKT_PRIVACY");
    assert_string_equal(iiss_dce_auth_level_name(5), "PKT_INTEGRITY");
    assert_null(iiss_dce_auth_level_name(7));
    assert_string_equal(iiss_dce_auth_type_name(10), "NTLMSSP");
    assert_string_equal(iiss_dce_auth_type_name(9), "SPNEGO");
    assert_string_equal(iiss_dce_auth_type_name(16), "KERBEROS");
    /* RFC 3962 and RFC 4757 numbers, MIT's spelling. */
    assert_string_equal(iiss_krb_enctype_name(17), "aes128-cts-hmac-sha1-96");
    assert_string_equal(iiss_krb_enctype_name(18), "aes256-cts-hmac-sha1-96");
    assert_string_equal(iiss_krb_enctype_name(23), "arcfour-hmac");
    assert_null(iiss_krb_enctype_name(-128));
    assert_null(iiss_krb_enctype_name(99));
    assert_string_equal(iiss_dce_ptype_name(19), "orphaned");
    assert_string_equal(iiss_dce_ptype_name(15), "alter_context_resp");
    assert_null(iiss_dce_ptype_name(1)); /* connectionless only */
}

/* Tables end with a NULL name and hold each value once. */
static void assert_table_well_formed(const iiss_value_name *table, size_t min_entries)
{
    size_t n = 0;
    while (table[n].name)
        n++;
    assert_true(n >= min_entries);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++)
            assert_true(table[i].value != table[j].value);
    }
}

static void test_tables_well_formed(void **state)
{
    (void)state;
    assert_table_well_formed(iiss_method_names, 12);
    assert_table_well_formed(iiss_service_type_names, 6);
    assert_table_well_formed(iiss_service_type_bits, 7);
    assert_table_well_formed(iiss_service_state_names, 7);
    assert_table_well_formed(iiss_controls_accepted_bits, 11);
    assert_table_well_formed(iiss_win32_error_names, 30);
    assert_table_well_formed(iiss_hresult_names, 8);
    assert_table_well_formed(iiss_fault_status_names, 10);
    assert_table_well_formed(iiss_dce_auth_type_names, 6);
    assert_table_well_formed(iiss_dce_auth_level_names, 7);
    assert_table_well_formed(iiss_krb_enctype_names, 11);
    assert_table_well_formed(iiss_dce_ptype_names, 12);
    assert_null(iiss_lookup(NULL, 0));
}

/* MITRE ATT&CK (attack.mitre.org): T1021.003 Remote Services: Distributed
 * Component Object Model; T1489 Service Stop; T1529 System
 * Shutdown/Reboot. Every opnum is a remote DCOM call; only Stop and Kill
 * stop services, only Reboot reboots. */
static void test_attack_techniques(void **state)
{
    (void)state;
    const iiss_attack_technique *t[IISS_ATTACK_PER_CALL_MAX];
    for (uint16_t opnum = 0; opnum < 16; opnum++) {
        size_t n = iiss_attack_techniques(opnum, t);
        assert_string_equal(t[0]->id, "T1021.003");
        assert_string_equal(t[0]->name, "Remote Services: Distributed Component Object Model");
        if (opnum == IISS_OPNUM_STOP || opnum == IISS_OPNUM_KILL) {
            assert_int_equal(n, 2);
            assert_string_equal(t[1]->id, "T1489");
            assert_string_equal(t[1]->name, "Service Stop");
        } else if (opnum == IISS_OPNUM_REBOOT) {
            assert_int_equal(n, 2);
            assert_string_equal(t[1]->id, "T1529");
            assert_string_equal(t[1]->name, "System Shutdown/Reboot");
        } else {
            assert_int_equal(n, 1); /* Start, Status and the IUnknown/IDispatch opnums */
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interface_ids_in_wire_order),
        cmocka_unit_test(test_method_names),
        cmocka_unit_test(test_service_states),
        cmocka_unit_test(test_service_types),
        cmocka_unit_test(test_controls_accepted),
        cmocka_unit_test(test_format_truncates),
        cmocka_unit_test(test_win32_errors),
        cmocka_unit_test(test_spec_hresults),
        cmocka_unit_test(test_structured_hresults),
        cmocka_unit_test(test_fault_status),
        cmocka_unit_test(test_dce_names_and_uuid),
        cmocka_unit_test(test_tables_well_formed),
        cmocka_unit_test(test_attack_techniques),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
